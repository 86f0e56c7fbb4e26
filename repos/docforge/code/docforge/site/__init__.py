"""Static-site tooling: pages, configuration, paths, links and the builder."""
