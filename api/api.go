// Package api holds the Red Cloud CORE API contract as an OpenAPI 3.1 document.
package api

import _ "embed"

// Spec is the OpenAPI 3.1 document of the Red Cloud CORE API (openapi.yaml), written by hand from
// the contract. The server serves it at /openapi.yaml, and tests check every response the server
// gives against it (see internal/openapitest).
//
//go:embed openapi.yaml
var Spec []byte
