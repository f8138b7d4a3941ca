"""Where to show a face: the CSS numbers that crop a photo around it or box it over the photo."""

from classifier.models import ExampleFace, Face

# The side of the review queue's face crops, px.
REVIEW_CROP_PX = 224


def face_geometry(
    face: Face | ExampleFace, width: int, height: int, size: int = REVIEW_CROP_PX
) -> dict:
    """CSS numbers to show a face: ``crop``, a square around it as a background of ``size``
    px (background size and offset, px), and ``highlight``, its box over the whole photo
    (left, top, width, height, % of the photo)."""
    side = max(face.width, face.height) * 1.4 or 1
    scale = size / side
    centre_x, centre_y = face.x + face.width / 2, face.y + face.height / 2
    return {
        "crop": [
            round(width * scale),
            round(height * scale),
            round(size / 2 - centre_x * scale),
            round(size / 2 - centre_y * scale),
        ],
        "highlight": [
            round(100 * face.x / width, 2),
            round(100 * face.y / height, 2),
            round(100 * face.width / width, 2),
            round(100 * face.height / height, 2),
        ],
    }
