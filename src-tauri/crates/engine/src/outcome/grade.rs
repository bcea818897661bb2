//! Grading: one independent pass of a grader model over the work, as structured output checked
//! against the rubric (retried once with what was wrong), several passes combined by majority,
//! the overall result computed in code, and the feedback message for the agent.

use std::collections::HashMap;

use reverie_llm::{complete_structured, LanguageModel, Message, ModelError, Request, Usage};
use reverie_protocol::{Criterion, CriterionVerdict, OutcomeResult, Verdict};
use schemars::JsonSchema;
use serde::Deserialize;
use tokio_util::sync::CancellationToken;

/// Output budget of one grading request.
const GRADER_MAX_TOKENS: u32 = 4096;

/// What the grader must return (its JSON schema is the structured-output tool's input).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct GraderReport {
    /// False when the rubric does not fit the task at all (say why in `reason`).
    pub applies: bool,
    #[serde(default)]
    pub reason: String,
    /// One entry per criterion of the rubric, by its id.
    pub criteria: Vec<GradedCriterion>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct GradedCriterion {
    /// The criterion's id, exactly as given.
    pub id: String,
    pub verdict: Verdict,
    /// A short quote from the work or a `file:line` that shows the verdict.
    pub evidence: String,
    /// What to change so the criterion is met; empty when it is met.
    #[serde(default)]
    pub change: String,
}

/// One grading pass: the verdicts in rubric order, or why the rubric does not apply.
#[derive(Debug, Clone, PartialEq)]
pub enum Pass {
    Graded(Vec<CriterionVerdict>),
    NotApplicable(String),
}

/// Grades once. `prompt` holds the description, the rubric and the artifacts (never the
/// agent's transcript). Output that does not match the rubric is sent back once with what was
/// wrong; a second miss is an `InvalidResponse` the caller records as a failed evaluation.
pub async fn grade_once(
    model: &dyn LanguageModel,
    system: &str,
    prompt: &str,
    criteria: &[Criterion],
    cancel: CancellationToken,
) -> Result<(Pass, Usage), ModelError> {
    let mut request = Request { system: system.to_owned(), messages: vec![Message::user(prompt)], max_tokens: GRADER_MAX_TOKENS, ..Default::default() };
    let mut usage = Usage::default();
    let mut last_problem = String::new();
    for attempt in 0..2 {
        let outcome = complete_structured::<GraderReport>(model, request.clone(), cancel.clone()).await;
        let problem = match outcome {
            Ok((report, completion)) => {
                usage.add(completion.usage);
                match check(&report, criteria) {
                    Ok(pass) => return Ok((pass, usage)),
                    Err(problem) => problem,
                }
            }
            Err(ModelError::InvalidResponse { message }) => message,
            Err(other) => return Err(other),
        };
        tracing::warn!(attempt, problem = problem.as_str(), "grader output rejected");
        last_problem = problem.clone();
        request.messages.push(Message::user(format!(
            "Your result was not accepted: {problem}. Call submit_result again with one entry for each criterion id of the rubric."
        )));
    }
    Err(ModelError::InvalidResponse { message: format!("the grader's output did not match the rubric twice: {last_problem}") })
}

/// The report in rubric order, or what is wrong with it.
pub fn check(report: &GraderReport, criteria: &[Criterion]) -> Result<Pass, String> {
    if !report.applies {
        let reason = if report.reason.trim().is_empty() { "the grader judged the rubric does not apply to this task".into() } else { report.reason.trim().to_owned() };
        return Ok(Pass::NotApplicable(reason));
    }
    let mut by_id: HashMap<&str, &GradedCriterion> = HashMap::new();
    for graded in &report.criteria {
        if !criteria.iter().any(|c| c.id == graded.id) {
            return Err(format!("there is no criterion with id {:?}", graded.id));
        }
        if by_id.insert(graded.id.as_str(), graded).is_some() {
            return Err(format!("criterion {:?} was graded twice", graded.id));
        }
    }
    let missing: Vec<&str> = criteria.iter().map(|c| c.id.as_str()).filter(|id| !by_id.contains_key(id)).collect();
    if !missing.is_empty() {
        return Err(format!("these criteria were not graded: {}", missing.join(", ")));
    }
    Ok(Pass::Graded(
        criteria
            .iter()
            .map(|c| {
                let g = by_id[c.id.as_str()];
                CriterionVerdict { criterion_id: c.id.clone(), verdict: g.verdict, evidence: g.evidence.trim().to_owned(), change: g.change.trim().to_owned(), disagreement: Vec::new() }
            })
            .collect(),
    ))
}

/// Several passes as one: per criterion the most common verdict (a tie takes the worse one, so
/// a split never passes work), with every pass's verdict kept where they differed. If most
/// passes found the rubric does not apply, that is the result.
pub fn combine(passes: &[Pass]) -> Pass {
    let graded: Vec<&Vec<CriterionVerdict>> = passes.iter().filter_map(|p| if let Pass::Graded(v) = p { Some(v) } else { None }).collect();
    if graded.len() * 2 <= passes.len() {
        if let Some(Pass::NotApplicable(reason)) = passes.iter().find(|p| matches!(p, Pass::NotApplicable(_))) {
            return Pass::NotApplicable(reason.clone());
        }
    }
    let Some(first) = graded.first() else { return Pass::NotApplicable("no grading pass finished".into()) };
    let combined = first
        .iter()
        .enumerate()
        .map(|(i, base)| {
            let votes: Vec<&CriterionVerdict> = graded.iter().map(|g| &g[i]).collect();
            let count = |v: Verdict| votes.iter().filter(|c| c.verdict == v).count();
            let winner = [Verdict::NotMet, Verdict::PartiallyMet, Verdict::Met].into_iter().max_by_key(|v| (count(*v), severity(*v))).unwrap_or(base.verdict);
            let chosen = votes.iter().find(|c| c.verdict == winner).copied().unwrap_or(base);
            let disagreement = if votes.iter().all(|c| c.verdict == winner) { Vec::new() } else { votes.iter().map(|c| c.verdict).collect() };
            CriterionVerdict { disagreement, ..chosen.clone() }
        })
        .collect();
    Pass::Graded(combined)
}

/// Higher is worse; ties between verdicts go to the worse one.
fn severity(v: Verdict) -> u8 {
    match v {
        Verdict::Met => 0,
        Verdict::PartiallyMet => 1,
        Verdict::NotMet => 2,
    }
}

/// The result of one evaluation: satisfied when every required criterion is met and every
/// optional one at least partially; failed when the rubric does not apply.
pub fn result(criteria: &[Criterion], pass: &Pass) -> OutcomeResult {
    let Pass::Graded(verdicts) = pass else { return OutcomeResult::Failed };
    let ok = criteria.iter().zip(verdicts).all(|(c, v)| match v.verdict {
        Verdict::Met => true,
        Verdict::PartiallyMet => c.optional,
        Verdict::NotMet => false,
    });
    if ok {
        OutcomeResult::Satisfied
    } else {
        OutcomeResult::NeedsRevision
    }
}

/// The one message the agent gets on `needs_revision`: each unmet criterion with the grader's
/// evidence and what to change.
pub fn feedback(criteria: &[Criterion], verdicts: &[CriterionVerdict]) -> String {
    let mut out = String::from("Your work was checked against the rubric. These criteria are not met yet:\n");
    for (c, v) in criteria.iter().zip(verdicts) {
        let unmet = match v.verdict {
            Verdict::Met => false,
            Verdict::PartiallyMet => !c.optional,
            Verdict::NotMet => true,
        };
        if !unmet {
            continue;
        }
        let how = if v.verdict == Verdict::PartiallyMet { "partially met" } else { "not met" };
        out.push_str(&format!("\n- {} ({how})\n  Evidence: {}\n", c.text, if v.evidence.is_empty() { "none given" } else { &v.evidence }));
        if !v.change.is_empty() {
            out.push_str(&format!("  What to change: {}\n", v.change));
        }
    }
    out.push_str("\nRevise the work so every criterion is met, then end your turn with a short summary of what you changed.");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn criterion(id: &str, optional: bool) -> Criterion {
        Criterion { id: id.into(), text: format!("Text of {id}"), group: None, weight: 1, optional, line: 1 }
    }

    fn graded(id: &str, verdict: Verdict) -> GradedCriterion {
        GradedCriterion { id: id.into(), verdict, evidence: format!("evidence {id}"), change: format!("change {id}") }
    }

    fn pass(verdicts: &[Verdict]) -> Pass {
        let ids = ["a", "b"];
        let report = GraderReport { applies: true, reason: String::new(), criteria: ids.iter().zip(verdicts).map(|(id, v)| graded(id, *v)).collect() };
        check(&report, &[criterion("a", false), criterion("b", true)]).unwrap()
    }

    #[test]
    fn reports_must_grade_every_criterion_once_and_only_those() {
        let criteria = [criterion("a", false), criterion("b", false)];
        let report = |items: Vec<GradedCriterion>| GraderReport { applies: true, reason: String::new(), criteria: items };
        assert!(check(&report(vec![graded("a", Verdict::Met)]), &criteria).unwrap_err().contains("not graded: b"));
        assert!(check(&report(vec![graded("a", Verdict::Met), graded("zz", Verdict::Met)]), &criteria).unwrap_err().contains("\"zz\""));
        assert!(check(&report(vec![graded("a", Verdict::Met), graded("a", Verdict::Met)]), &criteria).unwrap_err().contains("twice"));
        // Order follows the rubric, whatever order the grader used.
        let Pass::Graded(v) = check(&report(vec![graded("b", Verdict::NotMet), graded("a", Verdict::Met)]), &criteria).unwrap() else { panic!() };
        assert_eq!(v.iter().map(|c| c.criterion_id.as_str()).collect::<Vec<_>>(), ["a", "b"]);
        let na = GraderReport { applies: false, reason: "This is a poem, not code.".into(), criteria: vec![] };
        assert_eq!(check(&na, &criteria).unwrap(), Pass::NotApplicable("This is a poem, not code.".into()));
    }

    #[test]
    fn the_result_is_computed_from_the_verdicts() {
        let criteria = [criterion("a", false), criterion("b", true)];
        assert_eq!(result(&criteria, &pass(&[Verdict::Met, Verdict::PartiallyMet])), OutcomeResult::Satisfied, "optional may be partial");
        assert_eq!(result(&criteria, &pass(&[Verdict::PartiallyMet, Verdict::Met])), OutcomeResult::NeedsRevision);
        assert_eq!(result(&criteria, &pass(&[Verdict::Met, Verdict::NotMet])), OutcomeResult::NeedsRevision);
        assert_eq!(result(&criteria, &Pass::NotApplicable("x".into())), OutcomeResult::Failed);
    }

    #[test]
    fn the_majority_wins_ties_go_to_the_worse_and_disagreements_are_kept() {
        let combined = combine(&[pass(&[Verdict::Met, Verdict::Met]), pass(&[Verdict::Met, Verdict::NotMet]), pass(&[Verdict::NotMet, Verdict::Met])]);
        let Pass::Graded(v) = combined else { panic!() };
        assert_eq!((v[0].verdict, v[1].verdict), (Verdict::Met, Verdict::Met));
        assert_eq!(v[0].disagreement, [Verdict::Met, Verdict::Met, Verdict::NotMet]);
        let tie = combine(&[pass(&[Verdict::Met, Verdict::Met]), pass(&[Verdict::NotMet, Verdict::Met])]);
        let Pass::Graded(v) = tie else { panic!() };
        assert_eq!(v[0].verdict, Verdict::NotMet, "a split never passes work");
        assert!(v[1].disagreement.is_empty());
        assert!(matches!(combine(&[Pass::NotApplicable("n".into()), Pass::NotApplicable("n".into()), pass(&[Verdict::Met, Verdict::Met])]), Pass::NotApplicable(_)));
    }

    #[test]
    fn feedback_lists_each_unmet_criterion_with_evidence_and_change() {
        let criteria = [criterion("a", false), criterion("b", true), criterion("c", false)];
        let verdicts = vec![
            CriterionVerdict { criterion_id: "a".into(), verdict: Verdict::NotMet, evidence: "src/x.rs:3 has no test".into(), change: "Add a test".into(), disagreement: vec![] },
            CriterionVerdict { criterion_id: "b".into(), verdict: Verdict::PartiallyMet, evidence: "ok".into(), change: String::new(), disagreement: vec![] },
            CriterionVerdict { criterion_id: "c".into(), verdict: Verdict::PartiallyMet, evidence: "half".into(), change: "Finish it".into(), disagreement: vec![] },
        ];
        assert_eq!(
            feedback(&criteria, &verdicts),
            "Your work was checked against the rubric. These criteria are not met yet:\n\n- Text of a (not met)\n  Evidence: src/x.rs:3 has no test\n  What to change: Add a test\n\n- Text of c (partially met)\n  Evidence: half\n  What to change: Finish it\n\nRevise the work so every criterion is met, then end your turn with a short summary of what you changed."
        );
    }
}
