/// How an offer is paid for.
public enum Monetization: String, Codable, Sendable, CaseIterable, Comparable {
    case subscription
    case free
    case ads
    case rent
    case buy
    case addon

    public static func < (lhs: Monetization, rhs: Monetization) -> Bool {
        lhs.rawValue < rhs.rawValue
    }
}

/// Picture quality of an offer, lowest first.
public enum VideoQuality: String, Codable, Sendable, CaseIterable, Comparable {
    case sd
    case hd
    case uhd
    case hdr

    public static func < (lhs: VideoQuality, rhs: VideoQuality) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}
