package schedule

import (
	"testing"
	"time"

	"gotest.tools/v3/assert"
	is "gotest.tools/v3/assert/cmp"
)

func TestIdleSchedule(t *testing.T) {
	gaps := []time.Duration{time.Minute, 10 * time.Minute}
	s, err := NewIdle(2, gaps, 3, 500, 7, 0)
	assert.NilError(t, err)
	assert.Check(t, is.Equal(s.Trials(), int64(6)))
	assert.Check(t, is.Equal(s.Plan().Calls, int64(24)))
	perGap := map[time.Duration]int{}
	for k := range s.Trials() {
		warm := k * 4
		trial, probe, gap := s.Trial(warm)
		assert.Check(t, is.Equal(trial, k))
		assert.Check(t, !probe)
		_, probe, _ = s.Trial(warm + 2)
		assert.Check(t, probe)
		assert.Check(t, is.Equal(s.Due(warm+1), s.Due(warm)), "a phase's calls are due at once")
		assert.Check(t, is.Equal(s.Due(warm+2)-s.Due(warm), 500*time.Millisecond+gap), "the gap follows the warm calls' handler")
		if k > 0 {
			assert.Check(t, is.Equal(s.Due(warm)-s.Due(warm-1), 500*time.Millisecond+defaultSettle))
		}
		perGap[gap]++
	}
	assert.Check(t, is.DeepEqual(perGap, map[time.Duration]int{time.Minute: 3, 10 * time.Minute: 3}))
	other, err := NewIdle(2, gaps, 3, 500, 8, 0)
	assert.NilError(t, err)
	assert.Check(t, !other.Spec().Same(s.Spec()), "another seed, another order")
	back, err := FromSpec(s.Spec())
	assert.NilError(t, err)
	for seq := range s.Plan().Calls {
		assert.Check(t, is.Equal(back.Due(seq), s.Due(seq)))
	}

	_, err = NewIdle(0, nil, 0, 50, 0, 0)
	for _, want := range []string{"calls per phase must be from 1", "idle gaps are needed", "rounds must be from 1 to", "handler must be from 100ms"} {
		assert.Check(t, is.ErrorContains(err, want))
	}
}
