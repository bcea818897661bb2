//! Outcomes: a rubric that says what a good result looks like, graded after each agent turn.
//! (The rubric parser and the starter rubrics; the grader builds on them.)

pub mod rubric;

pub use rubric::{parse, MAX_RUBRIC_CHARS, STARTERS};
