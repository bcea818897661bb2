//! Reverie's IPC commands, defined once: each is an argument struct (its fields are the
//! command's arguments, by name) with a typed result and a function over the engine's [`Core`].
//! No transport lives here: the Tauri shell registers the table as its invoke handler, the
//! dev server (`reverie-devserver`) serves it over HTTP, and `export-commands` writes the
//! TypeScript table the UI calls through (`ui/src/bindings/api/commands.ts`).

pub mod bindings;
pub mod commands;
pub mod limits;
#[cfg(feature = "seed")]
pub mod seed;
pub mod server;
pub mod shell;
pub mod shell_double;
pub mod watch;

use std::future::Future;
use std::sync::Arc;

use reverie_engine::memory::Mirror;
use reverie_engine::{Core, Error};
use reverie_protocol::{AppError, ErrorCode};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;
use ts_rs::TS;

pub use watch::{Feed, Watch, WatchDreams, WatchSession};

/// What every command runs over: the engine's services and the memory mirror (its conflicts
/// and problems are the mirror's, not the engine's).
pub struct Context {
    pub core: Core,
    pub mirror: Arc<Mirror>,
    /// What the dev server answers to `app_status` (the app answers it from its own state).
    pub status: Option<reverie_protocol::AppStatus>,
}

/// One command: `Self` holds its arguments (deserialized from the call's JSON object by field
/// name), `Output` is what it answers.
pub trait Command: DeserializeOwned + TS + Send + 'static {
    /// The command's name on every transport.
    const NAME: &'static str;
    type Output: Serialize + TS + Send;
    fn run(self, ctx: &Context) -> impl Future<Output = Result<Self::Output, Error>> + Send;
}

/// The arguments of a call as one JSON object (no arguments: `{}` or `null`), or an
/// `invalid_input` error saying which argument is wrong.
pub fn parse_args<T: DeserializeOwned>(command: &str, args: Value) -> Result<T, AppError> {
    let args = if args.is_null() { Value::Object(Default::default()) } else { args };
    if !args.is_object() {
        return Err(AppError::invalid(
            "args",
            format!("The arguments of `{command}` must be a JSON object of named arguments."),
        ));
    }
    serde_json::from_value(args).map_err(|e| {
        let text = e.to_string();
        let message = format!("Invalid arguments for `{command}`: {text}. Check the argument names and types.");
        match field_of(&text) {
            Some(field) => AppError::invalid(&field, message),
            None => AppError::new(ErrorCode::InvalidInput, message),
        }
    })
}

/// The argument serde names in "missing field `x`" / "unknown field `x`".
fn field_of(text: &str) -> Option<String> {
    let rest = text.strip_prefix("missing field `").or_else(|| text.strip_prefix("unknown field `"))?;
    rest.split('`').next().map(str::to_owned)
}

/// Runs one command from its JSON arguments; the result as JSON.
pub async fn invoke<C: Command>(ctx: &Context, args: Value) -> Result<Value, AppError> {
    let command: C = parse_args(C::NAME, args)?;
    let output = command.run(ctx).await.map_err(AppError::from)?;
    serde_json::to_value(output)
        .map_err(|e| AppError::new(ErrorCode::Internal, format!("`{}` couldn't encode its reply ({e}).", C::NAME)))
}

macro_rules! table {
    ($($command:ty),* $(,)?) => {
        /// Every command's name, in the table's order.
        pub const NAMES: &[&str] = &[$(<$command as Command>::NAME),*];

        /// Runs the command called `name`, or `None` when no command has that name.
        pub async fn dispatch(ctx: &Context, name: &str, args: Value) -> Option<Result<Value, AppError>> {
            $(
                if name == <$command as Command>::NAME {
                    return Some(invoke::<$command>(ctx, args).await);
                }
            )*
            None
        }

        /// `(name, argument type, result type)` of every command, for the TypeScript table.
        pub(crate) fn entries(cfg: &ts_rs::Config) -> Vec<bindings::Entry> {
            vec![$(bindings::Entry::of::<$command, <$command as Command>::Output>(<$command as Command>::NAME, cfg)),*]
        }
    };
}

use commands::{agents::*, dreams::*, memory::*, providers::*, rubrics::*, sessions::*};

table![
    ListProviders,
    CreateProvider,
    UpdateProvider,
    DeleteProvider,
    TestProvider,
    ListTools,
    ListAgents,
    CreateAgent,
    UpdateAgent,
    DeleteAgent,
    CreateExampleTeam,
    ListSessions,
    GetSession,
    SessionEvents,
    StartRun,
    CancelSession,
    CancelThread,
    ContinueSession,
    AnswerApproval,
    ListRubrics,
    RubricVersions,
    RubricDiff,
    CheckRubric,
    CreateRubric,
    SaveRubric,
    DeleteRubric,
    RubricTemplates,
    CreateRubricFromTemplate,
    ImportRubric,
    ExportRubric,
    ListDreams,
    GetDream,
    StartDream,
    CancelDream,
    NewDreamSessions,
    DreamProposal,
    DecideHunks,
    ApplyProposal,
    RevertProposal,
    GetDreamSettings,
    SetDreamSettings,
    ListMemoryStores,
    CreateMemoryStore,
    DeleteMemoryStore,
    ListMemoryFiles,
    ReadMemoryFile,
    WriteMemoryFile,
    DeleteMemoryFile,
    RenameMemoryFile,
    MemoryHistory,
    GetMemoryVersion,
    MemoryDiff,
    RevertMemoryVersion,
    RedactMemoryVersion,
    SearchMemory,
    MemoryFileSessions,
    SessionMemory,
    ExportMemoryStore,
    ImportMemoryStore,
    MemoryConflicts,
    MemoryProblems,
    ResolveMemoryConflict,
    MemoryConflictDiff,
];

/// Declares a command: its argument struct (the fields are the arguments) and its body, which
/// sees `ctx` and each argument by name.
macro_rules! command {
    ($(#[$meta:meta])* $ty:ident $name:literal ($ctx:ident $(, $(#[$fmeta:meta])* $field:ident : $fty:ty)* $(,)?) -> $out:ty $body:block) => {
        $(#[$meta])*
        #[derive(Debug, serde::Deserialize, ts_rs::TS)]
        pub struct $ty {
            $($(#[$fmeta])* pub $field: $fty,)*
        }

        impl $crate::Command for $ty {
            const NAME: &'static str = $name;
            type Output = $out;
            #[allow(clippy::manual_async_fn)]
            fn run(self, $ctx: &$crate::Context) -> impl std::future::Future<Output = Result<$out, reverie_engine::Error>> + Send {
                let Self { $($field),* } = self;
                async move { $body }
            }
        }
    };
}
pub(crate) use command;
