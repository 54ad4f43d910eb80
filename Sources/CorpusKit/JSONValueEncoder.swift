import Foundation

/// Encodes any `Encodable` straight into a `JSONValue` tree: what `JSONEncoder` followed by
/// `JSONDecoder` gave, without writing and re-parsing JSON text (that round trip was most of the
/// cost of sealing a record). Whole doubles become integers, as they did when read back.
enum JSONValueEncoder {
    static func encode<T: Encodable>(_ value: T) throws -> JSONValue {
        let root = Node()
        try value.encode(to: TreeEncoder(node: root, codingPath: []))
        return root.value
    }

    /// A value being built; containers fill it in place, so a type may ask for the same keyed
    /// container twice (a record writes its content's keys and then `provenance`).
    final class Node {
        enum Storage {
            case empty
            case leaf(JSONValue)
            case object([String: Node])
            case array([Node])
        }
        var storage = Storage.empty

        var value: JSONValue {
            switch storage {
            case .empty: return .object([:])
            case .leaf(let value): return value
            case .object(let members): return .object(members.mapValues(\.value))
            case .array(let items): return .array(items.map(\.value))
            }
        }

        func setObject(_ key: String, _ child: Node) {
            if case .object(var members) = storage {
                storage = .empty  // keep the dictionary uniquely referenced while it changes
                members[key] = child
                storage = .object(members)
            } else {
                storage = .object([key: child])
            }
        }

        func append(_ child: Node) {
            if case .array(var items) = storage {
                storage = .empty
                items.append(child)
                storage = .array(items)
            } else {
                storage = .array([child])
            }
        }

        static func leaf(_ value: JSONValue) -> Node {
            let node = Node()
            node.storage = .leaf(value)
            return node
        }
    }

    /// A double as JSON text read back would give it: a whole number is an integer.
    static func number(_ value: Double) -> JSONValue {
        if value.rounded() == value, abs(value) < 1e15, let whole = Int64(exactly: value) { return .int(whole) }
        return .double(value)
    }

    static func integer<I: BinaryInteger>(_ value: I) -> JSONValue {
        if let exact = Int64(exactly: value) { return .int(exact) }
        return .double(Double(value))
    }

    struct TreeEncoder: Encoder {
        let node: Node
        var codingPath: [CodingKey]
        var userInfo: [CodingUserInfoKey: Any] { [:] }

        func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
            if case .object = node.storage {} else { node.storage = .object([:]) }
            return KeyedEncodingContainer(Keyed(node: node, codingPath: codingPath))
        }

        func unkeyedContainer() -> UnkeyedEncodingContainer {
            if case .array = node.storage {} else { node.storage = .array([]) }
            return Unkeyed(node: node, codingPath: codingPath)
        }

        func singleValueContainer() -> SingleValueEncodingContainer { Single(node: node, codingPath: codingPath) }
    }

    struct Keyed<Key: CodingKey>: KeyedEncodingContainerProtocol {
        let node: Node
        var codingPath: [CodingKey]

        func put(_ value: JSONValue, _ key: Key) { node.setObject(key.stringValue, .leaf(value)) }

        mutating func encodeNil(forKey key: Key) throws { put(.null, key) }
        mutating func encode(_ value: Bool, forKey key: Key) throws { put(.bool(value), key) }
        mutating func encode(_ value: String, forKey key: Key) throws { put(.string(value), key) }
        mutating func encode(_ value: Double, forKey key: Key) throws { put(number(value), key) }
        mutating func encode(_ value: Float, forKey key: Key) throws { put(number(Double(value)), key) }
        mutating func encode(_ value: Int, forKey key: Key) throws { put(.int(Int64(value)), key) }
        mutating func encode(_ value: Int8, forKey key: Key) throws { put(.int(Int64(value)), key) }
        mutating func encode(_ value: Int16, forKey key: Key) throws { put(.int(Int64(value)), key) }
        mutating func encode(_ value: Int32, forKey key: Key) throws { put(.int(Int64(value)), key) }
        mutating func encode(_ value: Int64, forKey key: Key) throws { put(.int(value), key) }
        mutating func encode(_ value: UInt, forKey key: Key) throws { put(integer(value), key) }
        mutating func encode(_ value: UInt8, forKey key: Key) throws { put(integer(value), key) }
        mutating func encode(_ value: UInt16, forKey key: Key) throws { put(integer(value), key) }
        mutating func encode(_ value: UInt32, forKey key: Key) throws { put(integer(value), key) }
        mutating func encode(_ value: UInt64, forKey key: Key) throws { put(integer(value), key) }
        mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
            let child = Node()
            try value.encode(to: TreeEncoder(node: child, codingPath: codingPath + [key]))
            node.setObject(key.stringValue, child)
        }

        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key)
            -> KeyedEncodingContainer<NestedKey>
        {
            let child = Node()
            child.storage = .object([:])
            node.setObject(key.stringValue, child)
            return KeyedEncodingContainer(Keyed<NestedKey>(node: child, codingPath: codingPath + [key]))
        }

        mutating func nestedUnkeyedContainer(forKey key: Key) -> UnkeyedEncodingContainer {
            let child = Node()
            child.storage = .array([])
            node.setObject(key.stringValue, child)
            return Unkeyed(node: child, codingPath: codingPath + [key])
        }

        mutating func superEncoder() -> Encoder { TreeEncoder(node: node, codingPath: codingPath) }
        mutating func superEncoder(forKey key: Key) -> Encoder {
            let child = Node()
            node.setObject(key.stringValue, child)
            return TreeEncoder(node: child, codingPath: codingPath + [key])
        }
    }

    struct Unkeyed: UnkeyedEncodingContainer {
        let node: Node
        var codingPath: [CodingKey]
        var count: Int {
            if case .array(let items) = node.storage { return items.count }
            return 0
        }

        func add(_ value: JSONValue) { node.append(.leaf(value)) }

        mutating func encodeNil() throws { add(.null) }
        mutating func encode(_ value: Bool) throws { add(.bool(value)) }
        mutating func encode(_ value: String) throws { add(.string(value)) }
        mutating func encode(_ value: Double) throws { add(number(value)) }
        mutating func encode(_ value: Float) throws { add(number(Double(value))) }
        mutating func encode(_ value: Int) throws { add(.int(Int64(value))) }
        mutating func encode(_ value: Int8) throws { add(.int(Int64(value))) }
        mutating func encode(_ value: Int16) throws { add(.int(Int64(value))) }
        mutating func encode(_ value: Int32) throws { add(.int(Int64(value))) }
        mutating func encode(_ value: Int64) throws { add(.int(value)) }
        mutating func encode(_ value: UInt) throws { add(integer(value)) }
        mutating func encode(_ value: UInt8) throws { add(integer(value)) }
        mutating func encode(_ value: UInt16) throws { add(integer(value)) }
        mutating func encode(_ value: UInt32) throws { add(integer(value)) }
        mutating func encode(_ value: UInt64) throws { add(integer(value)) }
        mutating func encode<T: Encodable>(_ value: T) throws {
            let child = Node()
            try value.encode(to: TreeEncoder(node: child, codingPath: codingPath))
            node.append(child)
        }

        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
            let child = Node()
            child.storage = .object([:])
            node.append(child)
            return KeyedEncodingContainer(Keyed<NestedKey>(node: child, codingPath: codingPath))
        }

        mutating func nestedUnkeyedContainer() -> UnkeyedEncodingContainer {
            let child = Node()
            child.storage = .array([])
            node.append(child)
            return Unkeyed(node: child, codingPath: codingPath)
        }

        mutating func superEncoder() -> Encoder {
            let child = Node()
            node.append(child)
            return TreeEncoder(node: child, codingPath: codingPath)
        }
    }

    struct Single: SingleValueEncodingContainer {
        let node: Node
        var codingPath: [CodingKey]

        func set(_ value: JSONValue) { node.storage = .leaf(value) }

        mutating func encodeNil() throws { set(.null) }
        mutating func encode(_ value: Bool) throws { set(.bool(value)) }
        mutating func encode(_ value: String) throws { set(.string(value)) }
        mutating func encode(_ value: Double) throws { set(number(value)) }
        mutating func encode(_ value: Float) throws { set(number(Double(value))) }
        mutating func encode(_ value: Int) throws { set(.int(Int64(value))) }
        mutating func encode(_ value: Int8) throws { set(.int(Int64(value))) }
        mutating func encode(_ value: Int16) throws { set(.int(Int64(value))) }
        mutating func encode(_ value: Int32) throws { set(.int(Int64(value))) }
        mutating func encode(_ value: Int64) throws { set(.int(value)) }
        mutating func encode(_ value: UInt) throws { set(integer(value)) }
        mutating func encode(_ value: UInt8) throws { set(integer(value)) }
        mutating func encode(_ value: UInt16) throws { set(integer(value)) }
        mutating func encode(_ value: UInt32) throws { set(integer(value)) }
        mutating func encode(_ value: UInt64) throws { set(integer(value)) }
        mutating func encode<T: Encodable>(_ value: T) throws {
            try value.encode(to: TreeEncoder(node: node, codingPath: codingPath))
        }
    }
}
