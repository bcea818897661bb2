//! Grading: one independent pass of a grader model over the work, as structured output checked
//! against the rubric (retried once with what was wrong), several passes combined by majority,
//! the overall result computed in code, and the feedback message for the agent.

use std::collections::HashMap;

use reverie_llm::{
    complete, ContentBlock, LanguageModel, Message, ModelError, Request, Role, ToolChoice, ToolSpec, Usage,
    STRUCTURED_OUTPUT_TOOL,
};
use reverie_protocol::{Criterion, CriterionVerdict, OutcomeResult, Verdict};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;

use crate::tools::{ToolContext, ToolSet};

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

/// Requests one grading pass may make (reading files included) before it must submit.
const MAX_GRADER_REQUESTS: u32 = 12;

/// What grades: the model, and the read-only tools it may use on the workspace (the context's
/// cancellation token stops it).
pub struct Grader<'a> {
    pub model: &'a dyn LanguageModel,
    pub tools: &'a ToolSet,
    pub context: &'a ToolContext,
}

/// Grades once. `prompt` holds the description, the rubric and the artifacts (never the
/// agent's transcript); the grader may read more of the workspace with its tools, then submits
/// its report through `submit_result`. A report that does not match the schema or the rubric
/// is sent back once with what was wrong; a second miss is an `InvalidResponse` the caller
/// records as a failed evaluation.
pub async fn grade_once(
    grader: &Grader<'_>,
    system: &str,
    prompt: &str,
    criteria: &[Criterion],
) -> Result<(Pass, Usage), ModelError> {
    let schema = serde_json::to_value(schemars::schema_for!(GraderReport))
        .map_err(|e| ModelError::InvalidResponse { message: format!("schema: {e}") })?;
    let mut tools: Vec<ToolSpec> = grader
        .tools
        .definitions()
        .into_iter()
        .map(|d| ToolSpec { name: d.name.into(), description: d.description, input_schema: d.input_schema })
        .collect();
    tools.push(ToolSpec {
        name: STRUCTURED_OUTPUT_TOOL.into(),
        description:
            "Submit your grading: one entry for every criterion of the rubric. Call it once, when you are done.".into(),
        input_schema: schema,
    });
    let mut request = Request {
        system: system.to_owned(),
        messages: vec![Message::user(prompt)],
        tools,
        max_tokens: GRADER_MAX_TOKENS,
        ..Default::default()
    };
    let mut usage = Usage::default();
    let mut rejected = 0;
    for step in 0..MAX_GRADER_REQUESTS {
        if step + 1 == MAX_GRADER_REQUESTS {
            request.tool_choice = ToolChoice::Tool(STRUCTURED_OUTPUT_TOOL.into());
        }
        let completion = complete(grader.model, request.clone(), grader.context.cancel.clone()).await?;
        usage.add(completion.usage);
        let calls: Vec<(String, String, Value)> =
            completion.tool_uses().map(|(id, name, input)| (id.to_owned(), name.to_owned(), input.clone())).collect();
        if !completion.content.is_empty() {
            request.messages.push(Message::assistant(completion.content));
        }
        if calls.is_empty() {
            request.messages.push(Message::user(format!(
                "Call {STRUCTURED_OUTPUT_TOOL} now with your grading of every criterion."
            )));
            request.tool_choice = ToolChoice::Tool(STRUCTURED_OUTPUT_TOOL.into());
            continue;
        }
        let mut results = Vec::with_capacity(calls.len());
        for (id, name, input) in calls {
            let (content, is_error) = if name == STRUCTURED_OUTPUT_TOOL {
                let problem = match serde_json::from_value::<GraderReport>(input) {
                    Ok(report) => match check(&report, criteria) {
                        Ok(pass) => return Ok((pass, usage)),
                        Err(problem) => problem,
                    },
                    Err(e) => format!("the result does not match the schema: {e}"),
                };
                tracing::warn!(rejected, problem = problem.as_str(), "grader output rejected");
                rejected += 1;
                if rejected == 2 {
                    return Err(ModelError::InvalidResponse {
                        message: format!("the grader's output was invalid twice: {problem}"),
                    });
                }
                (format!("Not accepted: {problem}. Call {STRUCTURED_OUTPUT_TOOL} again with one entry for each criterion id of the rubric."), true)
            } else if grader.tools.get(&name).is_some() {
                match grader.tools.call(&name, input, grader.context).await {
                    Ok(output) => (output.content, output.is_error),
                    Err(fault) => (fault.to_string(), true),
                }
            } else {
                (format!("There is no tool {name}; you may read files and then call {STRUCTURED_OUTPUT_TOOL}."), true)
            };
            results.push(ContentBlock::ToolResult { tool_use_id: id, content, is_error });
        }
        request.messages.push(Message { role: Role::User, content: results });
    }
    Err(ModelError::InvalidResponse {
        message: format!("the grader did not submit a result within {MAX_GRADER_REQUESTS} requests"),
    })
}

/// The report in rubric order, or what is wrong with it.
pub fn check(report: &GraderReport, criteria: &[Criterion]) -> Result<Pass, String> {
    if !report.applies {
        let reason = if report.reason.trim().is_empty() {
            "the grader judged the rubric does not apply to this task".into()
        } else {
            report.reason.trim().to_owned()
        };
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
                CriterionVerdict {
                    criterion_id: c.id.clone(),
                    verdict: g.verdict,
                    evidence: g.evidence.trim().to_owned(),
                    change: g.change.trim().to_owned(),
                    disagreement: Vec::new(),
                }
            })
            .collect(),
    ))
}

/// Several passes as one: per criterion the most common verdict (a tie takes the worse one, so
/// a split never passes work), with every pass's verdict kept where they differed. If most
/// passes found the rubric does not apply, that is the result.
pub fn combine(passes: &[Pass]) -> Pass {
    let graded: Vec<&Vec<CriterionVerdict>> =
        passes.iter().filter_map(|p| if let Pass::Graded(v) = p { Some(v) } else { None }).collect();
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
            let winner = [Verdict::NotMet, Verdict::PartiallyMet, Verdict::Met]
                .into_iter()
                .max_by_key(|v| (count(*v), severity(*v)))
                .unwrap_or(base.verdict);
            let chosen = votes.iter().find(|c| c.verdict == winner).copied().unwrap_or(base);
            let disagreement = if votes.iter().all(|c| c.verdict == winner) {
                Vec::new()
            } else {
                votes.iter().map(|c| c.verdict).collect()
            };
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
        out.push_str(&format!(
            "\n- {} ({how})\n  Evidence: {}\n",
            c.text,
            if v.evidence.is_empty() { "none given" } else { &v.evidence }
        ));
        if !v.change.is_empty() {
            out.push_str(&format!("  What to change: {}\n", v.change));
        }
    }
    out.push_str(
        "\nRevise the work so every criterion is met, then end your turn with a short summary of what you changed.",
    );
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
        let report = GraderReport {
            applies: true,
            reason: String::new(),
            criteria: ids.iter().zip(verdicts).map(|(id, v)| graded(id, *v)).collect(),
        };
        check(&report, &[criterion("a", false), criterion("b", true)]).unwrap()
    }

    #[test]
    fn reports_must_grade_every_criterion_once_and_only_those() {
        let criteria = [criterion("a", false), criterion("b", false)];
        let report =
            |items: Vec<GradedCriterion>| GraderReport { applies: true, reason: String::new(), criteria: items };
        assert!(check(&report(vec![graded("a", Verdict::Met)]), &criteria).unwrap_err().contains("not graded: b"));
        assert!(check(&report(vec![graded("a", Verdict::Met), graded("zz", Verdict::Met)]), &criteria)
            .unwrap_err()
            .contains("\"zz\""));
        assert!(check(&report(vec![graded("a", Verdict::Met), graded("a", Verdict::Met)]), &criteria)
            .unwrap_err()
            .contains("twice"));
        // Order follows the rubric, whatever order the grader used.
        let Pass::Graded(v) =
            check(&report(vec![graded("b", Verdict::NotMet), graded("a", Verdict::Met)]), &criteria).unwrap()
        else {
            panic!()
        };
        assert_eq!(v.iter().map(|c| c.criterion_id.as_str()).collect::<Vec<_>>(), ["a", "b"]);
        let na = GraderReport { applies: false, reason: "This is a poem, not code.".into(), criteria: vec![] };
        assert_eq!(check(&na, &criteria).unwrap(), Pass::NotApplicable("This is a poem, not code.".into()));
    }

    #[test]
    fn the_result_is_computed_from_the_verdicts() {
        let criteria = [criterion("a", false), criterion("b", true)];
        assert_eq!(
            result(&criteria, &pass(&[Verdict::Met, Verdict::PartiallyMet])),
            OutcomeResult::Satisfied,
            "optional may be partial"
        );
        assert_eq!(result(&criteria, &pass(&[Verdict::PartiallyMet, Verdict::Met])), OutcomeResult::NeedsRevision);
        assert_eq!(result(&criteria, &pass(&[Verdict::Met, Verdict::NotMet])), OutcomeResult::NeedsRevision);
        assert_eq!(result(&criteria, &Pass::NotApplicable("x".into())), OutcomeResult::Failed);
    }

    #[test]
    fn the_majority_wins_ties_go_to_the_worse_and_disagreements_are_kept() {
        let combined = combine(&[
            pass(&[Verdict::Met, Verdict::Met]),
            pass(&[Verdict::Met, Verdict::NotMet]),
            pass(&[Verdict::NotMet, Verdict::Met]),
        ]);
        let Pass::Graded(v) = combined else { panic!() };
        assert_eq!((v[0].verdict, v[1].verdict), (Verdict::Met, Verdict::Met));
        assert_eq!(v[0].disagreement, [Verdict::Met, Verdict::Met, Verdict::NotMet]);
        let tie = combine(&[pass(&[Verdict::Met, Verdict::Met]), pass(&[Verdict::NotMet, Verdict::Met])]);
        let Pass::Graded(v) = tie else { panic!() };
        assert_eq!(v[0].verdict, Verdict::NotMet, "a split never passes work");
        assert!(v[1].disagreement.is_empty());
        assert!(matches!(
            combine(&[
                Pass::NotApplicable("n".into()),
                Pass::NotApplicable("n".into()),
                pass(&[Verdict::Met, Verdict::Met])
            ]),
            Pass::NotApplicable(_)
        ));
    }

    #[test]
    fn feedback_lists_each_unmet_criterion_with_evidence_and_change() {
        let criteria = [criterion("a", false), criterion("b", true), criterion("c", false)];
        let verdicts = vec![
            CriterionVerdict {
                criterion_id: "a".into(),
                verdict: Verdict::NotMet,
                evidence: "src/x.rs:3 has no test".into(),
                change: "Add a test".into(),
                disagreement: vec![],
            },
            CriterionVerdict {
                criterion_id: "b".into(),
                verdict: Verdict::PartiallyMet,
                evidence: "ok".into(),
                change: String::new(),
                disagreement: vec![],
            },
            CriterionVerdict {
                criterion_id: "c".into(),
                verdict: Verdict::PartiallyMet,
                evidence: "half".into(),
                change: "Finish it".into(),
                disagreement: vec![],
            },
        ];
        assert_eq!(
            feedback(&criteria, &verdicts),
            "Your work was checked against the rubric. These criteria are not met yet:\n\n- Text of a (not met)\n  Evidence: src/x.rs:3 has no test\n  What to change: Add a test\n\n- Text of c (partially met)\n  Evidence: half\n  What to change: Finish it\n\nRevise the work so every criterion is met, then end your turn with a short summary of what you changed."
        );
    }
}
