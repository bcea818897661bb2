//! Outcomes: a rubric that says what a good result looks like, graded after each agent turn.
//! (The rubric parser, the starter rubrics and the versioned library; the grader builds on them.)

pub mod grade;
mod library;
pub mod rubric;

pub use library::{Rubrics, SaveError};
pub use rubric::{parse, MAX_RUBRIC_CHARS, STARTERS};
