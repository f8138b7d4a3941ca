"""Athlete recognition: find faces, embed them with FaceNet, name them by athletes' centroids.

The package imports no Django. Its light modules (`errors`, `imaging`, `results`,
`artifact`, `annotate`, `weights`) import no TensorFlow either, so a web process can use
them. Serving (`faces`, `embedder`, `predictor`) runs on LiteRT alone; TensorFlow is loaded
only to convert FaceNet once (`backbone`), for MTCNN (`mtcnn_finder`) and for the demo CNN
(`baseline`), which only `comparison` (`python -m ml evaluate`) imports.
"""
