//go:build tools

// Package engine pins the Pulumi CLI that `npm run engine` builds (see scripts/engine.sh).
package engine

import (
	_ "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"
)
