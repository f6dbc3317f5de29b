package metrics

import (
	"fmt"
	"strings"

	dto "github.com/prometheus/client_model/go"

	"github.com/prometheus/client_golang/prometheus"
	otelprom "go.opentelemetry.io/otel/exporters/prometheus"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.temporal.io/sdk/client"
	temporalotel "go.temporal.io/sdk/contrib/opentelemetry"
)

// TemporalHandler returns the Temporal SDK's metrics handler (for
// client.Options.MetricsHandler) exporting to reg, so that the SDK's own
// metrics — schedule-to-start latency, task slots, activity and workflow
// task failures, poll results — are served beside the worker's. Names are
// the SDK's, prefixed temporal_ with Prometheus units and suffixes
// (temporal_activity_schedule_to_start_latency_seconds,
// temporal_worker_task_slots_available, …), and the workflows' own
// counters (ocimove_unfreeze_retries_total) come through it too.
func TemporalHandler(reg prometheus.Registerer) (client.MetricsHandler, error) {
	exp, err := otelprom.New(otelprom.WithRegisterer(reg), otelprom.WithoutScopeInfo(), otelprom.WithoutTargetInfo())
	if err != nil {
		return nil, fmt.Errorf("metrics: the Temporal SDK's exporter: %w", err)
	}
	provider := sdkmetric.NewMeterProvider(sdkmetric.WithReader(exp))
	return temporalotel.NewMetricsHandler(temporalotel.MetricsHandlerOptions{
		Meter:                provider.Meter("temporal-sdk-go"),
		UseMonotonicCounters: true,
		OnError:              func(error) {}, // a metric the SDK cannot record is not worth a worker
	}), nil
}

// WithHelp returns g with a help text for every metric family that has
// none (the Temporal SDK's instruments carry no description), so that a
// scrape passes `promtool check metrics`.
func WithHelp(g prometheus.Gatherer) prometheus.Gatherer {
	return prometheus.GathererFunc(func() ([]*dto.MetricFamily, error) {
		fams, err := g.Gather()
		for _, f := range fams {
			if f.GetHelp() == "" {
				help := "A metric of the Temporal Go SDK: " + strings.ReplaceAll(strings.TrimPrefix(f.GetName(), "temporal_"), "_", " ") + "."
				f.Help = &help
			}
		}
		return fams, err
	})
}
