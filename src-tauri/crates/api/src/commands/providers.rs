//! Model providers: the list, create/update/delete (keys go to the keychain), Test connection.

use reverie_engine::blocking::blocking;
use reverie_protocol::{ConnectionReport, Provider, ProviderId, ProviderInput};

use crate::command;

command! {
    ListProviders "list_providers" (ctx) -> Vec<Provider> {
        let providers = ctx.core.providers.clone();
        blocking(move || providers.list()).await
    }
}

command! {
    CreateProvider "create_provider" (ctx, input: ProviderInput) -> Provider {
        let providers = ctx.core.providers.clone();
        blocking(move || providers.create(input)).await
    }
}

command! {
    UpdateProvider "update_provider" (ctx, id: ProviderId, input: ProviderInput) -> Provider {
        let providers = ctx.core.providers.clone();
        blocking(move || providers.update(&id, input)).await
    }
}

command! {
    DeleteProvider "delete_provider" (ctx, id: ProviderId) -> () {
        let providers = ctx.core.providers.clone();
        blocking(move || providers.delete(&id)).await
    }
}

command! {
    /// Every outcome, unreachable hosts included, is a report, not a failure.
    TestProvider "test_provider" (ctx, id: ProviderId) -> ConnectionReport {
        ctx.core.providers.test_connection(&id).await
    }
}
