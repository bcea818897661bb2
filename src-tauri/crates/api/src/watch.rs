//! Live streams, defined once like the commands: the arguments, the item type, and a feed of
//! items over the engine. The Tauri shell pumps a feed into a `Channel`; the dev server into
//! a WebSocket.

use std::future::Future;
use std::pin::Pin;

use futures::{Stream, StreamExt};
use reverie_engine::Error;
use reverie_protocol::{AppError, Dream, ErrorCode, SessionId, StreamItem};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tokio::sync::broadcast::error::RecvError;
use ts_rs::TS;

use crate::{bindings, parse_args, Context};

/// Items until the source ends; dropping the feed ends the subscription.
pub type Feed<T> = Pin<Box<dyn Stream<Item = T> + Send>>;

pub trait Watch: DeserializeOwned + TS + Send + 'static {
    const NAME: &'static str;
    type Item: Serialize + TS + Send + 'static;
    fn open(self, ctx: &Context) -> impl Future<Output = Result<Feed<Self::Item>, Error>> + Send;
}

/// One session: its stored events after `after`, then live events and text deltas, in order.
#[derive(Debug, Deserialize, TS)]
pub struct WatchSession {
    pub id: SessionId,
    #[ts(type = "number")]
    pub after: u64,
}

impl Watch for WatchSession {
    const NAME: &'static str = "watch_session";
    type Item = StreamItem;

    async fn open(self, ctx: &Context) -> Result<Feed<StreamItem>, Error> {
        let subscription = ctx.core.sessions.subscribe(&self.id, self.after).await?;
        Ok(Box::pin(futures::stream::unfold(subscription, |mut subscription| async move {
            match subscription.next_item().await {
                Ok(item) => Some((item, subscription)),
                Err(e) => {
                    tracing::warn!(error = %e, "session stream ended");
                    None
                }
            }
        })))
    }
}

/// Every change to any dream: progress, the end, a proposal applied.
#[derive(Debug, Deserialize, TS)]
pub struct WatchDreams {}

impl Watch for WatchDreams {
    const NAME: &'static str = "watch_dreams";
    type Item = Dream;

    async fn open(self, ctx: &Context) -> Result<Feed<Dream>, Error> {
        let updates = ctx.core.dreams.subscribe();
        Ok(Box::pin(futures::stream::unfold(updates, |mut updates| async move {
            loop {
                match updates.recv().await {
                    Ok(dream) => return Some((dream, updates)),
                    // A slow view misses intermediate progress, never the latest state.
                    Err(RecvError::Lagged(_)) => continue,
                    Err(RecvError::Closed) => return None,
                }
            }
        })))
    }
}

async fn open_json<W: Watch>(ctx: &Context, args: Value) -> Result<Feed<Value>, AppError> {
    let watch: W = parse_args(W::NAME, args)?;
    let feed = watch.open(ctx).await.map_err(AppError::from)?;
    Ok(Box::pin(feed.filter_map(|item| async move {
        serde_json::to_value(item).map_err(|e| tracing::error!(error = %e, "a stream item couldn't be encoded")).ok()
    })))
}

macro_rules! watches {
    ($($watch:ty),* $(,)?) => {
        /// Every stream's name.
        pub const WATCH_NAMES: &[&str] = &[$(<$watch as Watch>::NAME),*];

        /// Opens the stream called `name` from its JSON arguments (items as JSON), or `None`
        /// when no stream has that name.
        pub async fn open(ctx: &Context, name: &str, args: Value) -> Option<Result<Feed<Value>, AppError>> {
            $(
                if name == <$watch as Watch>::NAME {
                    return Some(open_json::<$watch>(ctx, args).await);
                }
            )*
            None
        }

        pub(crate) fn entries(cfg: &ts_rs::Config) -> Vec<bindings::Entry> {
            vec![$(bindings::Entry::of::<$watch, <$watch as Watch>::Item>(<$watch as Watch>::NAME, cfg)),*]
        }
    };
}

watches![WatchSession, WatchDreams];

/// A stream that could not be opened, as the one error shape.
pub fn unknown(name: &str) -> AppError {
    AppError::new(ErrorCode::NotFound, format!("There is no stream called `{name}`."))
}
