//! A recording router builder: every route is declared once, with the same `.route(path,
//! get(..).post(..))` shape as axum's, and the builder writes down each (method, path, portal)
//! as it goes. Tests generate their isolation, CSRF and malformed-input matrices from that table,
//! so a new route cannot escape them, and the table cannot drift from the routes actually served.

use std::convert::Infallible;

use axum::extract::Request;
use axum::handler::Handler;
use axum::http::Method;
use axum::response::IntoResponse;
use axum::routing::{self, MethodRouter, Route};
use axum::{Extension, Router};
use tower::{Layer, Service};

use crate::accounts::model::Role;

/// Which portal a route belongs to. Each portal's router marks its requests with it (see
/// [`Routes::portal`]), so extractors know the portal without reading the URL; the table records
/// it from the path, and the two are checked to agree when the router is built.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Portal {
    Public,
    Partner,
    Customer,
    Manager,
    /// The PBX JSON API (bearer tokens, no session).
    PbxApi,
}

impl Portal {
    /// The role whose pages this portal shows (none for the public pages and the PBX API).
    pub fn role(self) -> Option<Role> {
        match self {
            Self::Partner => Some(Role::Partner),
            Self::Customer => Some(Role::Customer),
            Self::Manager => Some(Role::Manager),
            Self::Public | Self::PbxApi => None,
        }
    }

    fn of(path: &str) -> Self {
        let under = |prefix: &str| path == prefix || path.starts_with(&format!("{prefix}/"));
        if under("/partner") {
            Self::Partner
        } else if under("/customer") {
            Self::Customer
        } else if under("/manager") {
            Self::Manager
        } else if under("/api") {
            Self::PbxApi
        } else {
            Self::Public
        }
    }
}

/// One row of the route table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteInfo {
    pub method: Method,
    /// The axum pattern, e.g. `/partner/customers/{id}`.
    pub path: String,
    pub portal: Portal,
}

/// A method router that remembers which methods it serves.
pub struct Methods<S> {
    methods: Vec<Method>,
    router: MethodRouter<S>,
}

macro_rules! method_fns {
    ($($name:ident => $method:ident),*) => {
        $(
            pub fn $name<H, T, S>(handler: H) -> Methods<S>
            where
                H: Handler<T, S>,
                T: 'static,
                S: Clone + Send + Sync + 'static,
            {
                Methods { methods: vec![Method::$method], router: routing::$name(handler) }
            }
        )*

        impl<S: Clone + Send + Sync + 'static> Methods<S> {
            $(
                pub fn $name<H, T>(mut self, handler: H) -> Self
                where
                    H: Handler<T, S>,
                    T: 'static,
                {
                    self.methods.push(Method::$method);
                    self.router = self.router.$name(handler);
                    self
                }
            )*
        }
    };
}

method_fns!(get => GET, post => POST);

impl<S: Clone + Send + Sync + 'static> Methods<S> {
    /// `MethodRouter::layer`, keeping the record.
    pub fn layer<L>(self, layer: L) -> Self
    where
        L: Layer<Route<Infallible>> + Clone + Send + Sync + 'static,
        L::Service: Service<Request, Error = Infallible> + Clone + Send + Sync + 'static,
        <L::Service as Service<Request>>::Response: IntoResponse + 'static,
        <L::Service as Service<Request>>::Future: Send + 'static,
    {
        Self {
            methods: self.methods,
            router: self.router.layer(layer),
        }
    }
}

/// A `Router` plus the table of what it routes.
pub struct Routes<S> {
    router: Router<S>,
    table: Vec<RouteInfo>,
}

impl<S: Clone + Send + Sync + 'static> Default for Routes<S> {
    fn default() -> Self {
        Self::new()
    }
}

impl<S: Clone + Send + Sync + 'static> Routes<S> {
    pub fn new() -> Self {
        Self {
            router: Router::new(),
            table: Vec::new(),
        }
    }

    pub fn route(mut self, path: &str, methods: Methods<S>) -> Self {
        let portal = Portal::of(path);
        self.table
            .extend(methods.methods.into_iter().map(|method| RouteInfo {
                method,
                path: path.to_owned(),
                portal,
            }));
        self.router = self.router.route(path, methods.router);
        self
    }

    pub fn merge(mut self, other: Routes<S>) -> Self {
        self.table.extend(other.table);
        self.router = self.router.merge(other.router);
        self
    }

    /// Marks every request these routes serve with `portal` (read by the extractors of pages
    /// that several portals share, like Security). Panics, when the router is built, if a path
    /// lies outside that portal.
    pub fn portal(self, portal: Portal) -> Self {
        for row in &self.table {
            assert_eq!(row.portal, portal, "{} is not a {portal:?} path", row.path);
        }
        Self {
            router: self.router.layer(Extension(portal)),
            table: self.table,
        }
    }

    pub fn table(&self) -> &[RouteInfo] {
        &self.table
    }

    pub fn into_router(self) -> Router<S> {
        self.router
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_declared_method_is_recorded_with_its_portal() {
        let routes: Routes<()> = Routes::new()
            .route("/login", get(|| async {}).post(|| async {}))
            .route("/partner/orders/{id}", get(|| async {}))
            .merge(Routes::new().route("/api/pbx/heartbeat", post(|| async {})));
        let rows: Vec<_> = routes
            .table()
            .iter()
            .map(|r| (r.method.as_str(), r.path.as_str(), r.portal))
            .collect();
        assert_eq!(
            rows,
            [
                ("GET", "/login", Portal::Public),
                ("POST", "/login", Portal::Public),
                ("GET", "/partner/orders/{id}", Portal::Partner),
                ("POST", "/api/pbx/heartbeat", Portal::PbxApi),
            ]
        );
        assert_eq!(Portal::of("/partnership"), Portal::Public);
        assert_eq!(Portal::of("/manager"), Portal::Manager);
    }
}
