package activities

import (
	"context"
	"reflect"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/interceptor"

	"github.com/ocimove/ocimove/internal/observe"
)

// Interceptor reports every activity this worker runs to obs when it ends:
// its type, outcome and duration, named to the migration and the shard it
// works on (read from its ShardRef argument), so that batch and round
// durations are measured without touching the activities themselves.
func Interceptor(obs observe.Observer) interceptor.WorkerInterceptor {
	return &workerInterceptor{obs: observe.OrNop(obs)}
}

type workerInterceptor struct {
	interceptor.WorkerInterceptorBase
	obs observe.Observer
}

func (w *workerInterceptor) InterceptActivity(ctx context.Context, next interceptor.ActivityInboundInterceptor) interceptor.ActivityInboundInterceptor {
	i := &activityInterceptor{obs: w.obs}
	i.Next = next
	return i
}

type activityInterceptor struct {
	interceptor.ActivityInboundInterceptorBase
	obs observe.Observer
}

func (i *activityInterceptor) ExecuteActivity(ctx context.Context, in *interceptor.ExecuteActivityInput) (any, error) {
	start := time.Now()
	res, err := i.Next.ExecuteActivity(ctx, in)
	ev := observe.Event{Kind: observe.ActivityDone, Activity: activity.GetInfo(ctx).ActivityType.Name, Outcome: "ok",
		Duration: time.Since(start)}
	if err != nil {
		ev.Outcome = "error"
	}
	if ref, ok := shardRefIn(in.Args); ok {
		ev.Migration, ev.Shard = ref.MigrationID, ref.ShardID
	}
	i.obs.Observe(ev)
	return res, err
}

var shardRefType = reflect.TypeOf(ShardRef{})

// shardRefIn finds the ShardRef among an activity's arguments: the
// argument itself, or its field Shard.
func shardRefIn(args []any) (ShardRef, bool) {
	for _, a := range args {
		v := reflect.ValueOf(a)
		if v.Kind() == reflect.Pointer {
			v = v.Elem()
		}
		switch {
		case !v.IsValid():
		case v.Type() == shardRefType:
			return v.Interface().(ShardRef), true
		case v.Kind() == reflect.Struct:
			if f := v.FieldByName("Shard"); f.IsValid() && f.Type() == shardRefType {
				return f.Interface().(ShardRef), true
			}
		}
	}
	return ShardRef{}, false
}
