// Placeholder for Traefik's extension-point module (see ../go.mod).
module github.com/traefik/traefik/dynamic/ext

go 1.24.0
