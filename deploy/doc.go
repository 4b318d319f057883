// Package deploy holds the files that package and run Parley: the compose
// stack, the load balancer's config, the systemd unit and the image's health
// check (deploy/healthcheck). It has no code of its own. There is no
// container engine in CI, so its tests check the files themselves (and the
// Dockerfile at the repository's root): what a build or an engine would only
// find out at deploy time.
package deploy
