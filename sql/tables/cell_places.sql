-- cell_places: where each cell of a transcribed submission (huizong import) was found in the file it came from.
-- Grain: (sha256, code). place is for a person: "docx table 3, row 7, column 2", "PDF page 2, table 1, B7".
CREATE TABLE IF NOT EXISTS cell_places (
    sha256  VARCHAR NOT NULL,
    code    VARCHAR NOT NULL,
    place   VARCHAR NOT NULL
);
