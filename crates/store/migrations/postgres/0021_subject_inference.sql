-- Answers of a subject assessment inferred from the institution's campaign assessments, with
-- their provenance as JSON, as assessment_answers.inferred_from (0019): NULL for answers the
-- officer gave; cleared when the officer saves the answer.
ALTER TABLE subject_answers ADD COLUMN inferred_from TEXT;

-- Evidence files of a subject assessment's answers need no schema change: evidence_files
-- rows with subject_kind `subject-assessment` and subject_id `<assessment id>/<measure id>`.
