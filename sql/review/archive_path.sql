-- archive_path: where the archived copy of one submission lies. Grain: one row or none. Inputs: submissions; $sha256.
SELECT archive_path FROM submissions WHERE sha256 = $sha256;
