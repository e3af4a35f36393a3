"""GAN app: a DCGAN and (denoising, variational) autoencoders, scored by FID/KID."""

DESCRIPTION = "image generation: DCGAN (EMA, conditional) and autoencoders, FID/KID/class coverage"
METRIC = "fid"
DEMO_ARGS = ["--epochs", "10"]
