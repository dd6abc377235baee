-- The disclosure report of a publication in published mode: what was withheld, why, and the
-- audit's intervals. For statisticians; frozen with the publication (the triggers of 0002
-- refuse any later change). NULL for publications made before disclosure control.
ALTER TABLE publications ADD COLUMN disclosure_report TEXT;
