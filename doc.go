// Package redcloud holds the Red Cloud CORE API's wire types — the JSON
// requests and responses the server encodes and the Go client decodes.
//
// It depends on the standard library only, so integrators who import it pull
// in nothing else.
package redcloud
