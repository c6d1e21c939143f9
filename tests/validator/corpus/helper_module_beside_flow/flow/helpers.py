def name(order):
    return order.name
