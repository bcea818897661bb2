-- The agents an agent may delegate to (its roster): a JSON array of agent ids, at most 20.
ALTER TABLE agents ADD COLUMN roster TEXT NOT NULL DEFAULT '[]';
