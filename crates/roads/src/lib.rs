//! The road network: OpenStreetMap roads as a directed graph, and the travel times and
//! distances the planners need.
//!
//! - [`graph`]: the compact directed graph (CSR) every other module works on, with integer
//!   costs (microseconds, millimetres) so that every algorithm gives bit-identical answers;
//! - [`dijkstra`]: plain Dijkstra, the reference the fast code is tested against;
//! - [`speeds`]: speeds per road class and `maxspeed` parsing, from `config/road_speeds.toml`;
//! - [`osm`]: loading an OpenStreetMap extract into the graph (drivable ways, one-way rules,
//!   largest strongly connected component);
//! - [`ch`]: contraction hierarchies — fast single routes and many-to-many matrices — and their
//!   persistence next to the extract;
//! - [`sites`]: the extract's airports, stations, hotels, hospitals and streets, for generated
//!   days;
//! - [`snap`]: from any coordinate to the nearest road, with an R-tree;
//! - [`model`]: the travel-time model behind one trait: the road network, straight lines when no
//!   extract is configured, or an external OSRM server.

pub mod ch;
pub mod dijkstra;
pub mod graph;
pub mod model;
pub mod osm;
pub mod osrm;
pub mod sites;
pub mod snap;
pub mod speeds;

pub use graph::{Cost, Edge, NodeId, RoadGraph};
