"""Demo content: the practice tracks that `studyhall demo` loads."""
