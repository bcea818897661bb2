//! Outcomes: a rubric that says what a good result looks like, graded after each agent turn.

pub mod artifacts;
pub mod evaluate;
pub mod grade;
mod library;
pub mod plan;
pub mod rubric;

pub use evaluate::{AfterTurn, Evaluation, Evaluator, DEFAULT_MAX_ITERATIONS, MAX_GRADER_PASSES, MAX_ITERATIONS};
pub use library::{
    read_rubric_file, Rubrics, SaveError, MAX_NAME_CHARS as MAX_RUBRIC_NAME_CHARS, MAX_RUBRIC_FILE_BYTES,
};
pub use rubric::{parse, MAX_RUBRIC_CHARS, STARTERS};
