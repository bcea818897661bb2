-- A cron expression (minute hour day month weekday, in the user's time zone) as a schedule.
ALTER TABLE dream_settings ADD COLUMN cron TEXT;
