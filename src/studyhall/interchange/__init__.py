"""Question banks in and out: GIFT, Moodle XML, Aiken, QTI 2.1/3.0, CSV and our JSON."""
