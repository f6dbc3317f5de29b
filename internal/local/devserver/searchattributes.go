package devserver

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	enums "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
)

// Names of the product's custom search attributes.
const (
	// SAMigrationID is the id of the migration a workflow belongs to.
	SAMigrationID = "MigrationID"
	// SAMigrationState is the lifecycle state of a migration workflow.
	SAMigrationState = "MigrationState"
	// SAShardState is the lifecycle state of a shard workflow, e.g. "Copying".
	SAShardState = "ShardState"
	// SAShardPrefix is the key prefix a shard workflow migrates. It is a
	// Keyword, so it matches exactly (and with STARTS_WITH), not by words.
	SAShardPrefix = "ShardPrefix"
)

// SearchAttributes are the product's custom search attributes and their
// types. Every set-up registers them, with RegisterSearchAttributes.
var SearchAttributes = map[string]enums.IndexedValueType{
	SAMigrationID:    enums.INDEXED_VALUE_TYPE_KEYWORD,
	SAMigrationState: enums.INDEXED_VALUE_TYPE_KEYWORD,
	SAShardState:     enums.INDEXED_VALUE_TYPE_KEYWORD,
	SAShardPrefix:    enums.INDEXED_VALUE_TYPE_KEYWORD,
}

// RegisterSearchAttributes makes sure every attribute of SearchAttributes
// exists in namespace with its type, through the operator service, so it works
// against this package's server and against any other Temporal cluster.
// Attributes already present are left alone; one present with another type is
// an error naming it, and nothing is changed for it.
func RegisterSearchAttributes(ctx context.Context, c client.Client, namespace string) error {
	_, err := ensureSearchAttributes(ctx, c.OperatorService(), namespace, SearchAttributes)
	return err
}

// ensureSearchAttributes adds the attributes of want missing from namespace
// and returns the names it added.
func ensureSearchAttributes(
	ctx context.Context,
	op operatorservice.OperatorServiceClient,
	namespace string,
	want map[string]enums.IndexedValueType,
) ([]string, error) {
	if namespace == "" {
		return nil, errors.New("devserver: registering search attributes: namespace is empty; name one")
	}
	have, err := listCustomSearchAttributes(ctx, op, namespace)
	if err != nil {
		return nil, err
	}
	missing, err := missingSearchAttributes(want, have)
	if err != nil {
		return nil, fmt.Errorf("devserver: namespace %q: %w", namespace, err)
	}
	if len(missing) == 0 {
		return nil, nil
	}

	_, err = op.AddSearchAttributes(ctx, &operatorservice.AddSearchAttributesRequest{
		Namespace:        namespace,
		SearchAttributes: missing,
	})
	var exists *serviceerror.AlreadyExists
	if err != nil && !errors.As(err, &exists) { // AlreadyExists: a concurrent set-up won the race
		return nil, fmt.Errorf("devserver: adding search attributes %s to namespace %q: %w",
			strings.Join(slices.Sorted(maps.Keys(missing)), ", "), namespace, err)
	}

	// Read back: on SQL visibility an attribute name already in use is
	// skipped silently, so only the listing tells whether all are in place.
	have, err = listCustomSearchAttributes(ctx, op, namespace)
	if err != nil {
		return nil, err
	}
	still, err := missingSearchAttributes(want, have)
	if err != nil {
		return nil, fmt.Errorf("devserver: namespace %q: %w", namespace, err)
	}
	if len(still) > 0 {
		return nil, fmt.Errorf("devserver: search attributes %s are still missing from namespace %q after adding them",
			strings.Join(slices.Sorted(maps.Keys(still)), ", "), namespace)
	}
	return slices.Sorted(maps.Keys(missing)), nil
}

// listCustomSearchAttributes returns the custom search attributes of namespace.
func listCustomSearchAttributes(
	ctx context.Context,
	op operatorservice.OperatorServiceClient,
	namespace string,
) (map[string]enums.IndexedValueType, error) {
	resp, err := op.ListSearchAttributes(ctx, &operatorservice.ListSearchAttributesRequest{Namespace: namespace})
	if err != nil {
		return nil, fmt.Errorf("devserver: listing search attributes of namespace %q: %w", namespace, err)
	}
	return resp.GetCustomAttributes(), nil
}

// missingSearchAttributes returns the attributes of want absent from have. An
// attribute present with another type is an error: changing a type would
// break every query and workflow that uses it, so an operator must decide.
func missingSearchAttributes(want, have map[string]enums.IndexedValueType) (map[string]enums.IndexedValueType, error) {
	missing := make(map[string]enums.IndexedValueType)
	var errs []error
	for _, name := range slices.Sorted(maps.Keys(want)) {
		typ, ok := have[name]
		switch {
		case !ok:
			missing[name] = want[name]
		case typ != want[name]:
			errs = append(errs, fmt.Errorf("search attribute %q exists with type %s, the product needs %s; remove it (temporal operator search-attribute remove) or use another namespace",
				name, typ, want[name]))
		}
	}
	return missing, errors.Join(errs...)
}
