"""pomona's reference detector: train, infer, embed and synth with the TAO YOLOv4 file contract."""
