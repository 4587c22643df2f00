// Package ext is our placeholder for Traefik's extension-point module, which
// Traefik's go.mod maps to a directory of its repository that module zips do
// not contain (see ../go.mod). Traefik v3.7.13 embeds ext.HTTP and ext.Router
// inline in its dynamic configuration types and uses nothing else from it;
// the open-source build gives them no fields, so empty structs leave the
// configuration schema unchanged.
package ext

// HTTP is embedded in dynamic.HTTPConfiguration.
type HTTP struct{}

// Router is embedded in dynamic.Router.
type Router struct{}
