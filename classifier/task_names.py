"""The names of the worker's tasks, one owner for each.

The web sends tasks by name (``current_app.send_task``), so it never imports the worker's code
(``classifier.tasks``, and through it the recognizer); ``classifier.tasks`` registers each task
under the name given here, and a test pins every one.
"""

RUN_PREDICTION = "classifier.tasks.run_prediction"
TRAIN_MODEL_VERSION = "classifier.tasks.train_model_version"
DETECT_EXAMPLE_FACES = "classifier.tasks.detect_example_faces"
IMPORT_ROSTER = "classifier.tasks.import_roster"
BUILD_EVENT_EXPORT = "classifier.tasks.build_event_export"
RERUN_HISTORY = "classifier.tasks.rerun_history"
REQUEUE_STALE = "classifier.tasks.requeue_stale"
CLEAR_EXPIRED_SESSIONS = "classifier.tasks.clear_expired_sessions"
GROUP_PEOPLE = "classifier.tasks.group_people"
FORGET_BYSTANDERS = "classifier.tasks.forget_bystanders"
REFRESH_STATISTICS = "classifier.tasks.refresh_statistics"
