"""Study planning: goals, day-by-day plans to exam day, re-planning, calendar feed."""
