/// What is wrong with an HNSW graph, as the builder's and the reused-graph tests check it: lists
/// over capacity, with a neighbour twice, out of range, pointing at itself or below its level, or
/// empty on layer 0; an entry point below the top; nodes layer 0 does not reach from the entry.
func graphProblems(
    count: Int,
    neighborsPerNode: Int,
    entryPoint: Int,
    topLevel: Int,
    level: (Int) -> Int,
    neighbors: (Int, Int) -> UnsafeBufferPointer<UInt32>
) -> [String] {
    var problems: [String] = []
    for node in 0..<count {
        for layer in 0...level(node) {
            let list = neighbors(node, layer).map(Int.init)
            let capacity = layer == 0 ? 2 * neighborsPerNode : neighborsPerNode
            if list.count > capacity { problems.append("\(node)@\(layer): \(list.count) > \(capacity)") }
            if Set(list).count != list.count { problems.append("\(node)@\(layer): a neighbour twice") }
            for neighbor in list where neighbor == node || neighbor >= count || level(neighbor) < layer {
                problems.append("\(node)@\(layer): bad neighbour \(neighbor)")
            }
            if list.isEmpty && layer == 0 { problems.append("\(node): no links on layer 0") }
        }
    }
    if level(entryPoint) != topLevel { problems.append("entry point below the top level") }
    var seen = Set([entryPoint])
    var queue = [entryPoint]
    while let node = queue.popLast() {
        for neighbor in neighbors(node, 0) where seen.insert(Int(neighbor)).inserted { queue.append(Int(neighbor)) }
    }
    if seen.count != count { problems.append("\(count - seen.count) nodes unreachable on layer 0") }
    return problems
}
