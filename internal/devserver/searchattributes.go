package devserver

import (
	"context"
	"fmt"
	"maps"
	"slices"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/sdk/client"
)

// SearchAttributes is the canonical set of custom search attributes CMP's
// workflows upsert, by name and Temporal type. The dev server, the test dev
// servers and EnsureSearchAttributes all register exactly this set. SQL
// visibility (SQLite, PostgreSQL) has fixed slots per type per namespace:
// at most 3 Int and 10 Keyword.
var SearchAttributes = map[string]string{
	"CmpOrganizationId": "Keyword",
	"CmpProviderId":     "Keyword",
	"CmpOfferingId":     "Keyword",
	"CmpOrderId":        "Keyword",
	"CmpState":          "Keyword",
	"CmpPeriod":         "Keyword",
	"CmpAmount":         "Int",
	"CmpProviderCount":  "Int",
}

// SearchAttributeArgs renders attrs as `--search-attribute Name=Type` flags for
// `temporal server start-dev`, sorted so the command line is reproducible.
func SearchAttributeArgs(attrs map[string]string) []string {
	args := make([]string, 0, 2*len(attrs))
	for _, name := range slices.Sorted(maps.Keys(attrs)) {
		args = append(args, "--search-attribute", name+"="+attrs[name])
	}
	return args
}

// TuningArgs are the start-dev flags CMP always passes: eager activity
// execution (a worker that starts a workflow runs its first activities without
// a task-queue round trip) and SQLite settings that make the file-backed store
// fast enough for a benchmark.
func TuningArgs() []string {
	return []string{
		"--dynamic-config-value", "system.enableActivityEagerExecution=true",
		"--sqlite-pragma", "journal_mode=wal",
		"--sqlite-pragma", "synchronous=normal",
	}
}

// EnsureSearchAttributes registers those of attrs that namespace lacks, through
// the OperatorService. Attributes already registered with the same type are
// left alone, so it is safe to call on every start against a real cluster, and
// from several processes at once (the API and the worker both do); one
// registered with a different type is an error, since workflows would fail to
// upsert it.
func EnsureSearchAttributes(ctx context.Context, c client.Client, namespace string, attrs map[string]string) error {
	want, err := parseSearchAttributes(attrs)
	if err != nil {
		return err
	}
	missing, err := missingSearchAttributes(ctx, c, namespace, want)
	if err != nil || len(missing) == 0 {
		return err
	}
	_, addErr := c.OperatorService().AddSearchAttributes(ctx, &operatorservice.AddSearchAttributesRequest{
		Namespace:        namespace,
		SearchAttributes: missing,
	})
	if addErr == nil {
		return nil
	}
	// Another process may have added them first (SQL visibility then reports a
	// race as Unavailable): what counts is whether they are there now.
	if missing, err = missingSearchAttributes(ctx, c, namespace, want); err == nil && len(missing) == 0 {
		return nil
	}
	return fmt.Errorf("add search attributes %v to namespace %q: %w", slices.Sorted(maps.Keys(missing)), namespace, addErr)
}

// missingSearchAttributes is the part of want that namespace has not
// registered, or an error if any is registered with another type.
func missingSearchAttributes(ctx context.Context, c client.Client, namespace string, want map[string]enumspb.IndexedValueType) (map[string]enumspb.IndexedValueType, error) {
	existing, err := c.OperatorService().ListSearchAttributes(ctx, &operatorservice.ListSearchAttributesRequest{Namespace: namespace})
	if err != nil {
		return nil, fmt.Errorf("list search attributes of namespace %q: %w", namespace, err)
	}
	missing := map[string]enumspb.IndexedValueType{}
	for name, typ := range want {
		have, ok := existing.GetCustomAttributes()[name]
		if !ok {
			missing[name] = typ
			continue
		}
		if have != typ {
			return nil, fmt.Errorf("search attribute %s in namespace %q has type %s, want %s", name, namespace, have, typ)
		}
	}
	return missing, nil
}

// parseSearchAttributes turns "Keyword"-style type names into Temporal's enum,
// so a typo fails before anything is started or registered.
func parseSearchAttributes(attrs map[string]string) (map[string]enumspb.IndexedValueType, error) {
	out := make(map[string]enumspb.IndexedValueType, len(attrs))
	for name, typ := range attrs {
		v, err := enumspb.IndexedValueTypeFromString(typ)
		if err != nil || v == enumspb.INDEXED_VALUE_TYPE_UNSPECIFIED {
			return nil, fmt.Errorf("search attribute %s: unknown type %q (want Text, Keyword, Int, Double, Bool, Datetime or KeywordList)", name, typ)
		}
		out[name] = v
	}
	return out, nil
}
