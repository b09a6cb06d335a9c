"""What runs in Lambda: `entry.handler`, the consumer, the publisher and the state ports."""
