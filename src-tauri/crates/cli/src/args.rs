//! What the command line accepts (clap derive). Each subcommand's behaviour lives in the module
//! of its group: `run.rs`, `sessions.rs`, `agents.rs`, `providers.rs`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

const EXIT_CODES: &str = "\
Exit codes:
  0  the agent finished its turn (end_turn), or the command succeeded
  1  the run ended with an error, or the input was refused (the message says what to do)
  2  the command line could not be parsed
  3  the run was cancelled (Ctrl-C) or interrupted
  4  the run reached its turn limit
  5  the run finished but its rubric was not satisfied

Data: $REVERIE_DATA_DIR if set, else the app's data folder (~/.local/share/dev.reverie.desktop on Linux).
Logs: set RUST_LOG (for example RUST_LOG=reverie_engine=debug) to see the engine's log on stderr.";

/// Run Reverie's agents on a folder from the terminal, on the app's own agents, providers and sessions.
#[derive(Debug, Parser)]
#[command(name = "reverie", version, about, after_help = EXIT_CODES, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run an agent on a task in a folder and stream what it does.
    #[command(after_help = EXIT_CODES)]
    Run(RunArgs),
    /// Resume an interrupted session, or send a follow-up message to an idle one.
    #[command(after_help = EXIT_CODES)]
    Resume(ResumeArgs),
    /// List, show and export sessions.
    #[command(subcommand)]
    Sessions(SessionsCommand),
    /// List and add agents.
    #[command(subcommand)]
    Agents(AgentsCommand),
    /// List and add model providers.
    #[command(subcommand)]
    Providers(ProvidersCommand),
    /// Dream: read the sessions of the agents that mount a memory store and propose changes to it.
    Dream(DreamArgs),
    /// Review what dreams proposed: list, show, accept, reject, revert.
    #[command(subcommand)]
    Proposals(ProposalsCommand),
}

/// The subcommand names, for `is_command`.
pub const COMMANDS: [&str; 7] = ["run", "resume", "sessions", "agents", "providers", "dream", "proposals"];

#[derive(Debug, Args)]
pub struct DreamArgs {
    /// The memory store to dream about, by name.
    #[arg(long, value_name = "NAME")]
    pub store: String,
    /// Apply the proposal at once instead of leaving it for review.
    #[arg(long)]
    pub auto: bool,
    /// Extra guidance for the dream (at most 4,096 characters).
    #[arg(long, value_name = "TEXT")]
    pub instructions: Option<String>,
    /// Read these sessions instead of the ones since the store's last dream (repeatable).
    #[arg(long = "session", value_name = "ID")]
    pub sessions: Vec<String>,
    /// The model to dream with (default: that of the first agent mounting the store).
    #[arg(long, value_name = "MODEL")]
    pub model: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum ProposalsCommand {
    /// Proposals, newest first, with their status and size.
    List {
        /// Only this store's.
        #[arg(long, value_name = "NAME")]
        store: Option<String>,
    },
    /// A proposal as a diff per file, with each hunk's id, rationale and evidence.
    Show { id: String },
    /// Accept hunks (all pending ones when none is named) and apply them.
    Accept {
        id: String,
        #[arg(long = "hunk", value_name = "HUNK")]
        hunks: Vec<String>,
    },
    /// Reject hunks (all pending ones when none is named); with none left pending, nothing is written.
    Reject {
        id: String,
        #[arg(long = "hunk", value_name = "HUNK")]
        hunks: Vec<String>,
    },
    /// Undo an applied proposal: restore what each file held before.
    Revert { id: String },
}

/// How the run streams and which calls it may make without asking.
#[derive(Debug, Clone, Args)]
pub struct StreamFlags {
    /// Print one JSON line per stored event (a SessionEvent) instead of the readable transcript.
    #[arg(long)]
    pub json: bool,
    /// Allow every tool call the agent would have to ask for (`ask` permission); `deny` stays denied.
    #[arg(long, short = 'y')]
    pub yes: bool,
    /// Stop after this many model requests (overrides the agent's limit).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub max_turns: Option<u32>,
}

/// Grading the work against a rubric until it is satisfied (`define_outcome`).
#[derive(Debug, Args)]
pub struct OutcomeFlags {
    /// Grade the work against this rubric after each turn and have the agent revise until it is
    /// met: a rubric's name in the library, or a Markdown file (added to the library under the
    /// file's name, as a new version when it changed).
    #[arg(long, value_name = "FILE|NAME")]
    pub rubric: Option<String>,
    /// Gradings at most (1–20, default 3); when spent, the agent gets one turn to wrap up.
    #[arg(long, value_name = "N", requires = "rubric")]
    pub max_iterations: Option<u32>,
    /// Independent grader passes per grading, combined by majority (1–5, default 1).
    #[arg(long, value_name = "N", requires = "rubric")]
    pub grader_passes: Option<u32>,
    /// What a good result is, for the grader. Default: the task.
    #[arg(long, value_name = "TEXT", requires = "rubric")]
    pub outcome: Option<String>,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// The agent to run, by name (`reverie agents list`).
    #[arg(long, short = 'a', value_name = "NAME")]
    pub agent: String,
    /// The folder the agent works in; every tool stays inside it. Default: the current folder.
    #[arg(long, short = 'w', value_name = "DIR")]
    pub workspace: Option<PathBuf>,
    /// Let the agent work on your whole home folder (refused without it).
    #[arg(long)]
    pub yes_home: bool,
    #[command(flatten)]
    pub stream: StreamFlags,
    /// Subagent threads a coordinator may run at once (1–25, default 8).
    #[arg(long, value_name = "N")]
    pub max_threads: Option<u32>,
    #[command(flatten)]
    pub outcome: OutcomeFlags,
    /// The task, in one or more words; `-` reads it from standard input.
    #[arg(required = true, value_name = "TASK")]
    pub task: Vec<String>,
}

#[derive(Debug, Args)]
pub struct ResumeArgs {
    /// The session's id (`reverie sessions list`).
    #[arg(value_name = "ID")]
    pub id: String,
    /// A follow-up message for the agent (needed when the session is idle); `-` reads it from standard input.
    #[arg(long, short = 'm', value_name = "TEXT")]
    pub message: Option<String>,
    #[command(flatten)]
    pub stream: StreamFlags,
}

#[derive(Debug, Subcommand)]
pub enum SessionsCommand {
    /// List sessions, newest first.
    List {
        /// One JSON array of session summaries.
        #[arg(long)]
        json: bool,
    },
    /// Print a session's whole transcript.
    Show {
        #[arg(value_name = "ID")]
        id: String,
    },
    /// Print every stored event of a session as JSON lines.
    Export {
        #[arg(value_name = "ID")]
        id: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum AgentsCommand {
    /// List the agents.
    List {
        /// One JSON array of agents.
        #[arg(long)]
        json: bool,
    },
    /// Add an agent.
    Add(Box<AgentAddArgs>),
}

#[derive(Debug, Args)]
pub struct AgentAddArgs {
    #[arg(long, value_name = "NAME")]
    pub name: String,
    /// The model provider, by name (`reverie providers list`).
    #[arg(long, value_name = "PROVIDER_NAME")]
    pub provider: String,
    /// The model to ask for; default: the provider's model.
    #[arg(long, value_name = "MODEL")]
    pub model: Option<String>,
    /// One line shown in lists.
    #[arg(long, value_name = "TEXT", default_value = "")]
    pub description: String,
    /// The agent's instructions (its system prompt).
    #[arg(long, value_name = "TEXT", conflicts_with = "instructions_file")]
    pub instructions: Option<String>,
    /// Read the instructions from a file.
    #[arg(long, value_name = "FILE")]
    pub instructions_file: Option<PathBuf>,
    /// Let the agent use this tool without asking (repeatable).
    #[arg(long, value_name = "TOOL")]
    pub allow: Vec<String>,
    /// Make the agent ask before using this tool (repeatable).
    #[arg(long, value_name = "TOOL")]
    pub ask: Vec<String>,
    /// Never let the agent use this tool (repeatable).
    #[arg(long, value_name = "TOOL")]
    pub deny: Vec<String>,
    /// Model requests one run may make at most (default 50).
    #[arg(long, value_name = "N")]
    pub max_turns: Option<u32>,
    /// Mount this memory store, read and write (repeatable): its index goes in the system
    /// prompt and the agent gets the memory tools.
    #[arg(long, value_name = "STORE")]
    pub memory: Vec<String>,
    /// An agent this one may delegate to (repeatable, at most 20): it becomes a coordinator
    /// with the `list_agents` and `delegate` tools.
    #[arg(long = "delegate-to", value_name = "AGENT_NAME")]
    pub delegate_to: Vec<String>,
    /// Mount this memory store read-only (repeatable).
    #[arg(long, value_name = "STORE")]
    pub memory_read_only: Vec<String>,
}

#[derive(Debug, Subcommand)]
pub enum ProvidersCommand {
    /// List the model providers.
    List {
        /// One JSON array of providers (keys are never shown, only whether one is set).
        #[arg(long)]
        json: bool,
    },
    /// Add a model provider. The API key is never taken on the command line (it would show in
    /// `ps` and your shell history): name an environment variable or pipe it on standard input.
    Add(ProviderAddArgs),
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Kind {
    /// The Anthropic Messages API.
    Anthropic,
    /// OpenAI Chat Completions and servers that speak it (Ollama, llama.cpp, vLLM, LM Studio).
    Openai,
}

#[derive(Debug, Args)]
pub struct ProviderAddArgs {
    #[arg(long, value_name = "NAME")]
    pub name: String,
    #[arg(long, value_enum)]
    pub kind: Kind,
    /// For example https://api.anthropic.com, https://api.openai.com/v1, http://localhost:11434/v1.
    #[arg(long, value_name = "URL")]
    pub base_url: String,
    #[arg(long, value_name = "MODEL")]
    pub model: String,
    /// Read the API key from this environment variable now and store it in the keychain.
    #[arg(long, value_name = "VAR", conflicts_with = "api_key_stdin")]
    pub api_key_env: Option<String>,
    /// Read the API key from standard input (one line) and store it in the keychain.
    #[arg(long)]
    pub api_key_stdin: bool,
}
