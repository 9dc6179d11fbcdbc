//go:build race

package load_test

// raceEnabled reports that the test binary runs under the race detector.
const raceEnabled = true
