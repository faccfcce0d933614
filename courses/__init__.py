"""Courses, classes, enrolment and waiting lists, lessons, attendance, graduation, certificates."""
