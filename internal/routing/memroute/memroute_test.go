package memroute_test

import (
	"testing"

	"github.com/ocimove/ocimove/internal/routing"
	"github.com/ocimove/ocimove/internal/routing/memroute"
	"github.com/ocimove/ocimove/internal/testing/routingtest"
)

func TestConformance(t *testing.T) {
	routingtest.Run(t, func(t *testing.T) routing.Target { return memroute.New() }, routingtest.Options{})
}
