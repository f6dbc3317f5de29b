package activities

// ActivityError exposes activityError to the package's external tests.
var ActivityError = activityError
