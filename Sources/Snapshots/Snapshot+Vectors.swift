extension Snapshot {
    /// The stored vectors, or nil for a snapshot built without embeddings.
    public var vectors: QuantizedVectors? {
        guard let embedding = metadata.embedding, let codes = optionalRegion(.vectorCodes),
            let scales = optionalRegion(.vectorScales)
        else { return nil }
        return QuantizedVectors(
            dimension: embedding.dimension,
            codes: codes.bindMemory(to: Int8.self),
            scales: scales.bindMemory(to: Float.self)
        )
    }

    /// A bound on a graph's M far above any useful one (16 is the default), so that the slot
    /// arithmetic over a damaged section cannot overflow.
    static let maximumGraphNeighbors = 4096

    /// The HNSW graph over ``vectors``, or nil when the snapshot has none (small catalogs are
    /// searched exactly). Returns nil as well when the section is malformed; `verify` reports it.
    public var vectorGraph: VectorGraph? {
        guard metadata.embedding?.graph != nil, let region = optionalRegion(.vectorGraph) else { return nil }
        var reader = ByteReader(region)
        guard let neighbors = try? Int(reader.u32()), let entry = try? Int(reader.u32()),
            let top = try? Int(reader.u32()), let count = try? Int(reader.u32()), count == documentCount,
            neighbors > 0, neighbors <= Self.maximumGraphNeighbors, entry < count, top <= Int(UInt8.max)
        else { return nil }
        let levelsEnd = 16 + count
        let layer0Start = (levelsEnd + 3) / 4 * 4
        let layer0Length = count * (1 + 2 * neighbors) * 4
        let upperStartsStart = layer0Start + layer0Length
        let upperCountOffset = upperStartsStart + count * 4
        guard upperCountOffset + 4 <= region.count else { return nil }
        let upperCount = Int(region.loadUnaligned(fromByteOffset: upperCountOffset, as: UInt32.self).littleEndian)
        let upperStart = upperCountOffset + 4
        guard upperStart <= region.count, upperCount == (region.count - upperStart) / 4,
            upperStart + upperCount * 4 == region.count
        else { return nil }
        func words(_ start: Int, _ count: Int) -> UnsafeBufferPointer<UInt32> {
            UnsafeRawBufferPointer(rebasing: region[start..<(start + count * 4)]).bindMemory(to: UInt32.self)
        }
        return VectorGraph(
            neighborsPerNode: neighbors,
            entryPoint: entry,
            topLevel: top,
            levels: UnsafeRawBufferPointer(rebasing: region[16..<levelsEnd]).bindMemory(to: UInt8.self),
            layer0: words(layer0Start, count * (1 + 2 * neighbors)),
            upperStart: words(upperStartsStart, count),
            upper: words(upperStart, upperCount)
        )
    }
}
