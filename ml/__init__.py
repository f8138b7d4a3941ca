"""Athlete recognition: find faces, embed them with FaceNet, name them with a trained head.

The package imports no Django. Its light modules (`errors`, `imaging`, `results`,
`artifact`, `annotate`, `weights`) import no TensorFlow either, so a web process can use
them; `faces`, `embedder`, `training`, `predictor`, `evaluation` and `comparison` load
TensorFlow; only `comparison` (`python -m ml evaluate`) imports the demo CNN of `baseline`.
"""
