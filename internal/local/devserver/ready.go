package devserver

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	enums "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
)

const (
	// probeName is the task queue and workflow id the readiness probes ask
	// about; nothing uses them.
	probeName = "devserver-readiness-probe"
	// pollInterval is the pause between readiness probes.
	pollInterval = 100 * time.Millisecond
	// namespaceRefresh is how long the server's services may take to see a
	// namespace change (dynamic config system.namespaceCacheRefreshInterval,
	// 2s by default), plus a margin.
	namespaceRefresh = 3 * time.Second
)

// waitReady returns once the frontend answers, the namespace exists and every
// product search attribute is registered and usable in a query.
func (s *Server) waitReady(ctx context.Context) error {
	ns := s.cfg.Namespace
	conn, err := s.internalClientOptions()
	if err != nil {
		return err
	}
	var c client.Client
	err = retry(ctx, "connecting to the frontend at "+s.addr, func(ctx context.Context) error {
		var err error
		c, err = client.DialContext(ctx, client.Options{HostPort: s.addr, Namespace: ns, Logger: s.logs.client, ConnectionOptions: conn})
		return err
	})
	if err != nil {
		return err
	}
	defer c.Close()

	err = retry(ctx, fmt.Sprintf("describing namespace %q", ns), func(ctx context.Context) error {
		_, err := c.WorkflowService().DescribeNamespace(ctx, &workflowservice.DescribeNamespaceRequest{Namespace: ns})
		return err
	})
	if err != nil {
		return err
	}

	// Matching and history answer (the frontend alone answers the calls above).
	err = retry(ctx, "reaching the matching service", func(ctx context.Context) error {
		_, err := c.DescribeTaskQueue(ctx, probeName, enums.TASK_QUEUE_TYPE_WORKFLOW)
		return err
	})
	if err != nil {
		return err
	}
	err = retry(ctx, "reaching the history service", func(ctx context.Context) error {
		_, err := c.DescribeWorkflowExecution(ctx, probeName, "")
		var notFound *serviceerror.NotFound
		if errors.As(err, &notFound) {
			return nil
		}
		return err
	})
	if err != nil {
		return err
	}

	// A new database got the attributes with the namespace (prepareDatabase);
	// an older one may lack some, which the operator service adds here.
	var added []string
	err = retry(ctx, fmt.Sprintf("registering search attributes in namespace %q", ns), func(ctx context.Context) error {
		var err error
		added, err = ensureSearchAttributes(ctx, c.OperatorService(), ns, SearchAttributes)
		return err
	})
	if err != nil {
		return err
	}
	if len(added) > 0 {
		// History validates upserts against its own namespace cache.
		if err := sleep(ctx, namespaceRefresh); err != nil {
			return fmt.Errorf("devserver: waiting for the search attributes %v to propagate: %w", added, err)
		}
	}

	query := searchAttributesProbe()
	return retry(ctx, "querying visibility with the search attributes", func(ctx context.Context) error {
		_, err := c.CountWorkflow(ctx, &workflowservice.CountWorkflowExecutionsRequest{Namespace: ns, Query: query})
		return err
	})
}

// searchAttributesProbe is a visibility query naming every product search
// attribute; the server rejects it while any of them is unknown.
func searchAttributesProbe() string {
	var terms []string
	for _, name := range slices.Sorted(maps.Keys(SearchAttributes)) {
		terms = append(terms, fmt.Sprintf("%s = '%s'", name, probeName))
	}
	return strings.Join(terms, " AND ")
}

// retry calls fn until it succeeds or ctx ends, then returns fn's last error
// wrapped with what was being attempted.
func retry(ctx context.Context, what string, fn func(context.Context) error) error {
	for {
		err := fn(ctx)
		if err == nil {
			return nil
		}
		if sleep(ctx, pollInterval) != nil {
			return fmt.Errorf("devserver: %s: gave up when the start deadline passed: %w", what, err)
		}
	}
}

// sleep waits for d or until ctx ends, whichever comes first.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
