//! Rubrics: the library, the editor's live check, versions and their diffs, starter templates,
//! and `.md` import/export.

use std::path::Path;

use reverie_engine::blocking::blocking;
use reverie_engine::outcome::{parse, read_rubric_file, STARTERS};
use reverie_engine::Error;
use reverie_protocol::{DiffHunk, Rubric, RubricCheck, RubricId, RubricTemplate, RubricVersion};

use crate::command;

command! {
    ListRubrics "list_rubrics" (ctx) -> Vec<Rubric> {
        let rubrics = ctx.core.rubrics.clone();
        blocking(move || rubrics.list()).await
    }
}

command! {
    RubricVersions "rubric_versions" (ctx, id: RubricId) -> Vec<RubricVersion> {
        let rubrics = ctx.core.rubrics.clone();
        blocking(move || rubrics.versions(&id)).await
    }
}

command! {
    RubricDiff "rubric_diff" (ctx, id: RubricId, from: u32, to: u32) -> Vec<DiffHunk> {
        let rubrics = ctx.core.rubrics.clone();
        blocking(move || rubrics.diff(&id, from, to)).await
    }
}

command! {
    /// The editor's live preview: the criteria, or every problem with its line.
    CheckRubric "check_rubric" (_ctx, source: String) -> RubricCheck {
        Ok(match parse(&source) {
            Ok(criteria) => RubricCheck { criteria, problems: Vec::new() },
            Err(problems) => RubricCheck { criteria: Vec::new(), problems },
        })
    }
}

command! {
    CreateRubric "create_rubric" (ctx, name: String, source: String) -> Rubric {
        let rubrics = ctx.core.rubrics.clone();
        blocking(move || rubrics.create(&name, &source).map_err(Error::from)).await
    }
}

command! {
    SaveRubric "save_rubric" (ctx, id: RubricId, name: String, source: String) -> Rubric {
        let rubrics = ctx.core.rubrics.clone();
        blocking(move || rubrics.save(&id, &name, &source).map_err(Error::from)).await
    }
}

command! {
    DeleteRubric "delete_rubric" (ctx, id: RubricId) -> () {
        let rubrics = ctx.core.rubrics.clone();
        blocking(move || rubrics.delete(&id)).await
    }
}

command! {
    RubricTemplates "rubric_templates" (_ctx) -> Vec<RubricTemplate> {
        Ok(STARTERS.iter().map(|(name, source)| RubricTemplate { name: (*name).into(), source: (*source).into() }).collect())
    }
}

command! {
    CreateRubricFromTemplate "create_rubric_from_template" (ctx, template: String) -> Rubric {
        let rubrics = ctx.core.rubrics.clone();
        blocking(move || rubrics.create_from_template(&template)).await
    }
}

command! {
    /// A Markdown file as a new rubric named after the file (made unique).
    ImportRubric "import_rubric" (ctx, path: String) -> Rubric {
        let rubrics = ctx.core.rubrics.clone();
        blocking(move || {
            let path = Path::new(&path);
            let source = read_rubric_file(path)?;
            let name = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "Imported rubric".into());
            rubrics.create_unique(&name, &source).map_err(Error::from)
        })
        .await
    }
}

command! {
    /// Writes one version's Markdown to `path`.
    ExportRubric "export_rubric" (ctx, id: RubricId, version: u32, path: String) -> () {
        let rubrics = ctx.core.rubrics.clone();
        blocking(move || {
            let source = rubrics.version(&id, version)?.source;
            std::fs::write(&path, source).map_err(|e| Error::invalid("path", format!("Couldn't write {path} ({e}). Choose a folder you can write to.")))
        })
        .await
    }
}
