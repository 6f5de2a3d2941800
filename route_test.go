package redcloud_test

import (
	"regexp"
	"slices"
	"testing"

	"github.com/redcloud-core/redcloud"
	"github.com/redcloud-core/redcloud/api"
)

// routePaths names every route path constant.
var routePaths = map[string]string{
	"PathToken":           redcloud.PathToken,
	"PathWhoAmI":          redcloud.PathWhoAmI,
	"PathNumbers":         redcloud.PathNumbers,
	"PathNumbersSearch":   redcloud.PathNumbersSearch,
	"PathNumber":          redcloud.PathNumber,
	"PathMessagesSend":    redcloud.PathMessagesSend,
	"PathMessages":        redcloud.PathMessages,
	"PathMessage":         redcloud.PathMessage,
	"PathIdempotencyKey":  redcloud.PathIdempotencyKey,
	"PathOptOuts":         redcloud.PathOptOuts,
	"PathOptOut":          redcloud.PathOptOut,
	"PathSandboxWebhooks": redcloud.PathSandboxWebhooks,
	"PathSandboxInbound":  redcloud.PathSandboxInbound,
	"PathHealthz":         redcloud.PathHealthz,
	"PathReadyz":          redcloud.PathReadyz,
	"PathMetrics":         redcloud.PathMetrics,
	"PathOpenAPI":         redcloud.PathOpenAPI,
}

// TestRoutePaths checks the route constants against the contract: each is a
// path of api/openapi.yaml, and each path there has a constant.
func TestRoutePaths(t *testing.T) {
	var documented []string
	for _, m := range regexp.MustCompile(`(?m)^  (/\S*):\s*$`).FindAllSubmatch(api.Spec, -1) {
		documented = append(documented, string(m[1]))
	}
	if len(documented) < 10 {
		t.Fatalf("found %d paths in api/openapi.yaml; the pattern no longer matches the document", len(documented))
	}
	var constants []string
	for name, p := range routePaths {
		constants = append(constants, p)
		if !slices.Contains(documented, p) {
			t.Errorf("redcloud.%s = %q is not a path of api/openapi.yaml", name, p)
		}
	}
	for _, p := range documented {
		if !slices.Contains(constants, p) {
			t.Errorf("api/openapi.yaml path %s has no redcloud.Path… constant", p)
		}
	}
}
