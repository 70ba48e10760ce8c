//! The route table: every feature registers its routes here with the
//! methods each answers, so that the application's list of routes exists
//! as data — the authorisation matrix test walks it, and a route added
//! without being declared there cannot be served.

use crate::state::AppState;
use axum::routing::MethodRouter;
use axum::Router;

/// One method on one path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Route {
    /// `GET`, `POST`, `PUT` or `DELETE`.
    pub method: &'static str,
    /// The path pattern, e.g. `/api/v1/letters/{id}`.
    pub path: &'static str,
}

/// Routes being declared, with the router they build.
#[derive(Default)]
pub struct Routes {
    router: Router<AppState>,
    list: Vec<Route>,
}

impl Routes {
    /// No routes yet.
    pub fn new() -> Routes {
        Routes::default()
    }

    /// Serves `path` with `handlers`, which answer exactly `methods`.
    pub fn at(
        mut self,
        path: &'static str,
        methods: &[&'static str],
        handlers: MethodRouter<AppState>,
    ) -> Routes {
        self.router = self.router.route(path, handlers);
        self.list
            .extend(methods.iter().map(|&method| Route { method, path }));
        self
    }

    /// These routes and another feature's.
    pub fn merge(mut self, other: Routes) -> Routes {
        self.router = self.router.merge(other.router);
        self.list.extend(other.list);
        self
    }

    /// The router and the list of routes it serves.
    pub fn into_parts(self) -> (Router<AppState>, Vec<Route>) {
        (self.router, self.list)
    }
}
