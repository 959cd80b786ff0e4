"""The Fashion-MNIST model zoo: training (train.py, needs PyTorch) and the committed models in examples/zoo/."""
