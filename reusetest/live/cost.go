package live

import (
	"fmt"
	"io"

	"github.com/lambda-reuse/lambda-reuse/reusetest/schedule"
)

// Prices, US East (N. Virginia) list prices (docs/sources.md [S10], read
// 2026): requests $0.20 per million;
// duration per GB-second $0.0000166667 (x86) or $0.0000133334 (arm64);
// API Gateway HTTP API $1.00 per million. Free tier, the Init phase and
// CloudWatch Logs are not counted.
const (
	pricePerRequest      = 0.20 / 1e6
	pricePerGBSecondX86  = 0.0000166667
	pricePerGBSecondArm  = 0.0000133334
	pricePerAPIGWRequest = 1.00 / 1e6
	PricesAsOf           = "2026 (docs/sources.md [S10])"
	defaultProbeMemoryMB = 128
)

// estimateCost is the list-price cost of plan against a probe of memoryMB
// on arm64 (the deploy default) and x86, through the given front door.
func estimateCost(plan schedule.Plan, memoryMB int, door FrontDoor) (arm, x86 float64) {
	calls := float64(plan.Calls)
	gbSeconds := calls * plan.Handler().Seconds() * float64(memoryMB) / 1024
	base := calls * pricePerRequest
	if door == FrontDoorAPIGateway {
		base += calls * pricePerAPIGWRequest
	}
	return base + gbSeconds*pricePerGBSecondArm, base + gbSeconds*pricePerGBSecondX86
}

// WriteCostEstimate prints the cost estimate line.
func WriteCostEstimate(w io.Writer, plan schedule.Plan, door FrontDoor) {
	arm, x86 := estimateCost(plan, defaultProbeMemoryMB, door)
	via := "Invoke API or Function URL (no front-door charge)"
	if door == FrontDoorAPIGateway {
		via = "API Gateway HTTP API ($1.00 per million)"
	}
	fmt.Fprintf(w, "estimated cost at list prices of %s: $%.2f on arm64, $%.2f on x86, %d MB, via %s; free tier, Init billing and logs not counted\n",
		PricesAsOf, arm, x86, defaultProbeMemoryMB, via)
}
