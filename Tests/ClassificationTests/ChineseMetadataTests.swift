import CorpusKit
import Foundation
import Testing

@testable import Classification
@testable import Cleaning

@Suite struct ChineseMetadataTests {
    static let lines: [(String, [String])] = [
        (
            "发布时间:2025-04-11  来源:北京党员教育网  主讲:某公司  时长:09:13  责任编辑:王小明",
            ["发布时间=2025-04-11", "来源=北京党员教育网", "主讲=某公司", "时长=09:13", "责任编辑=王小明"]
        ),
        (
            "发布日期：2025年4月11日 | 来源：北京长城网 | 主讲人：张三 | 视频时长：1:02:03",
            ["发布日期=2025年4月11日", "来源=北京长城网", "主讲人=张三", "视频时长=1:02:03"]
        ),
        ("简介：数字中国建设的重要内容。", ["简介=数字中国建设的重要内容。"]),
        ("这是一段正文，提到了编辑和来源但没有冒号。", [])
    ]

    @Test(arguments: 0..<lines.count)
    func fieldsOfOneLine(index: Int) {
        let (line, expected) = Self.lines[index]
        #expect(LessonFields.labelledFields(line).map { "\($0.label)=\($0.value)" } == expected)
    }

    @Test func metadataFromSeveralShapes() {
        let lines = ["发布日期：2025年4月11日 | 来源：北京长城网 | 主讲人：张三 | 视频时长：1:02:03", "内容简介：简介的正文。", "责任编辑:李四"]
            .map { Line(text: $0, role: .paragraph, cells: []) }
        let metadata = LessonFields(lines: lines, metadata: .init()).chineseMetadata()
        #expect(
            metadata
                == LessonFields.ChineseMetadata(
                    published: "2025-04-11", source: "北京长城网", speaker: "张三",
                    durationSeconds: 3723, editor: "李四", synopsis: "简介的正文。"))
    }
}
