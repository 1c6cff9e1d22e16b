const { DateTime, Duration } = require('luxon');
function lambda(input, callback) {
  const d = DateTime.fromISO("2026-12-01T10:30:00Z", { zone: "utc" });
  callback(null, [d.plus({ days: 31 }).toISODate(), d.toFormat("yyyy LLL dd"), Duration.fromObject({ minutes: 90 }).as("hours")]);
}
