//! The review prompt every reviewer gets (our "skill"): what the change is, the sections
//! to write, the JSON block to end with, the repository's own conventions file, and the
//! rule that everything from the change is data, never instructions.
